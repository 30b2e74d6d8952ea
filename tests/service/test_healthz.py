from __future__ import annotations

from pathlib import Path

from clinicreads import __version__
from tests.conftest import make_test_app


def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable", "version": __version__}

"""The single-runner lock, in process: a second holder is refused until the first releases."""

from __future__ import annotations

import pytest

from jobs.guard import FileLock, make_guard, sqlite_lock_path


def test_one_holder_at_a_time(database_url: str) -> None:
    first, second = make_guard(database_url), make_guard(database_url)
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire() and not second.still_held()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_sqlite_lock_file_sits_beside_the_database_and_names_the_holder(sqlite_url: str) -> None:
    path = sqlite_lock_path(sqlite_url)
    assert path.name == "clinicreads.db.scheduler.lock"
    guard = make_guard(sqlite_url)
    assert isinstance(guard, FileLock) and guard.try_acquire()
    try:
        import os

        assert path.read_text() == f"{os.getpid()}\n"
    finally:
        guard.release()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://db/clinic"])
def test_databases_without_a_lock_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        make_guard(url)

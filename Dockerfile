# The image every process of docker-compose.yml runs (web, scheduler, worker, related worker, migrations).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=wsgi VAR_DIR=/var/lib/clinicreads
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin clinicreads \
    && mkdir -p /var/lib/clinicreads && chown clinicreads /var/lib/clinicreads
USER clinicreads
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "wsgi:app"]

# One image for every returnbot process in docker-compose.yml (Rasa server, action server, gateway,
# stats consumer): Python 3.10 (Rasa 3.6 needs < 3.11), the dependencies exactly as requirements.lock
# pins them, and the model trained at build time, so a running container never trains.
#   docker build -t returnbot .
# To use a model trained elsewhere instead, mount it over /app/models (see docker-compose.yml).

FROM python:3.10-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv && pip install --no-cache-dir "uv==0.13.9"
COPY requirements.lock /tmp/requirements.lock
RUN uv pip sync --no-cache /tmp/requirements.lock

FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false \
    RETURNBOT_MODEL_CACHE=/tmp/returnbot-models RETURNBOT_VAR_DIR=/app/var
RUN useradd --create-home --uid 1000 returnbot
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=returnbot:returnbot . /app
# editable, like `make install`: the code finds policy.yml, domain.yml and data/ beside it in /app
RUN /opt/venv/bin/uv pip install --no-cache --no-deps -e . \
    && mkdir -p /app/var /app/models && chown -R returnbot:returnbot /app/var /app/models
USER returnbot
RUN python -c "from cli.model import ensure_model; ensure_model()" && rm -rf /tmp/returnbot-models /app/.rasa
EXPOSE 8000
CMD ["python", "-m", "channels.gateway"]

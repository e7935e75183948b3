# One image for every returnbot process in docker-compose.yml (Rasa server, action server, gateway,
# stats consumer): Python 3.10 (Rasa 3.6 needs < 3.11), the dependencies exactly as requirements.lock
# pins them, and the models trained at build time, so a running container never trains: the bot's
# (English NLU and the dialogue) and one NLU model per other language in models/<lang>/, which the Rasa
# server (`python -m cli.rasa_cli run`) picks per message by the language the gateway detected.
#   docker build -t returnbot .
# To use models trained elsewhere instead, mount a folder over /app/models (see docker-compose.yml) with the
# bot's model and its <lang>/ folders, trained from this same source: a language model of other inputs is
# not loaded, and that language is then read by the English model (docs/languages.md).

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

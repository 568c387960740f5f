# One image for the gateway and the action server (two commands); the engine runs rasa/rasa:3.6.21.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY bot ./bot
COPY actions ./actions
COPY content ./content
COPY locales ./locales
COPY data ./data
# The release's dialogues: the gateway learns English from Roman Urdu from the training
# examples (language_guess), and `content sync` copies them into the editors' volume.
COPY dialogues ./dialogues
RUN pip install --no-cache-dir --no-deps -e . \
 && mkdir -p /data/published /data/locales /data/content /data/dialogues /app/models \
 && chown nobody /data/published /data/locales /data/content /data/dialogues /app/models
# Published texts live in a volume (/data/published), so a restart keeps what was published;
# editors change a working copy of the texts and flows in volumes too, brought up to each
# release at start by `rahnuma content sync --from /app` (bot/editing/working_copy.py).
ENV RAHNUMA_PUBLISHED_DIR=/data/published \
    RAHNUMA_LOCALES_DIR=/data/locales \
    RAHNUMA_CONTENT_DIR=/data/content \
    RAHNUMA_DIALOGUES_DIR=/data/dialogues
USER nobody
EXPOSE 8000 5055
CMD ["sh", "-c", "rahnuma content sync --from /app && exec uvicorn bot.app:create_app --factory --host 0.0.0.0 --port 8000 --no-access-log"]

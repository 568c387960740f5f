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
# The gateway learns English from Roman Urdu from the training examples (language_guess).
COPY dialogues/data ./dialogues/data
RUN pip install --no-cache-dir --no-deps -e . \
 && mkdir -p /data/published && chown nobody /data/published
# Published texts live in a volume (/data/published), so a restart keeps what was published.
ENV RAHNUMA_PUBLISHED_DIR=/data/published
USER nobody
EXPOSE 8000 5055
CMD ["uvicorn", "bot.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]

# One image for web and CPU workers. The GPU worker builds with REQUIREMENTS=requirements-gpu.txt,
# Ray nodes and the ray queue's worker with requirements-ray.txt.
FROM python:3.11-slim
ARG REQUIREMENTS=requirements.txt
ENV PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 CHARTER_DATA_DIR=/data CHARTER_ARTIFACTS_DIR=/artifacts CHARTER_MODELS_DIR=/artifacts/models
WORKDIR /app
COPY requirements.txt requirements-nodeps.txt requirements-gpu.txt requirements-ray.txt ./
RUN pip install --no-cache-dir -r ${REQUIREMENTS} \
 && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt
COPY . .
RUN useradd --create-home charter && mkdir -p /data /artifacts/models && chown -R charter /data /artifacts
USER charter

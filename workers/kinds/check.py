"""The "worker check" job: what a worker can run on (torch, devices, models, disk)."""

from __future__ import annotations

import platform
import shutil

from django.conf import settings

from alignment.model_folders import DEFAULT_MODEL, is_model_folder
from workers.runner import WORKER_NAME, JobContext


def run(ctx: JobContext) -> dict:
    import torch  # imported once per worker process, then cached

    models_dir = settings.MODELS_DIR
    result = {
        "worker": WORKER_NAME,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "torch_threads": torch.get_num_threads(),
        "default_model_ready": (models_dir / DEFAULT_MODEL).is_dir() and is_model_folder(models_dir / DEFAULT_MODEL),
        "disk_free_gb": round(shutil.disk_usage(settings.DATA_DIR).free / 1e9, 1),
    }
    ctx.log(" ".join(f"{k}={v}" for k, v in result.items()))
    ctx.progress(1, 1, "checked")
    return result

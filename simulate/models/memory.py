"""How many accelerators it takes just to hold a model, for training and for inference."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port


def memory(
    params: np.ndarray,
    training_bytes_per_param: np.ndarray,
    bytes_per_param: np.ndarray,
    accelerator_memory_gb: np.ndarray,
) -> dict[str, np.ndarray]:
    """Memory to train and to serve a model, and the accelerators needed to hold it.

    training_memory_gb = params · training_bytes_per_param / 1e9
    weights_memory_gb = params · bytes_per_param / 1e9
    min_accelerators_* = ceil(memory / accelerator_memory_gb)

    Mixed-precision Adam needs about 20 bytes per parameter (Smith et al. 2022, MT-NLG §2.1:
    2 fp16 weights + 2 fp16 gradients + 16 for fp32 master weights, momentum, variance and a
    gradient copy); activations and the KV cache come on top, so these are lower bounds.
    Weights alone take 4 / 2 / 1 bytes per parameter in fp32 / bf16 / int8.
    Source: Smith et al. 2022, "Using DeepSpeed and Megatron to Train Megatron-Turing NLG
    530B", §2.1; Rajbhandari et al. 2020 (ZeRO), §3 (16 bytes of model state per parameter).
    """
    training_gb = params * training_bytes_per_param / 1e9
    weights_gb = params * bytes_per_param / 1e9
    return {
        "training_memory_gb": training_gb,
        "min_accelerators_training": np.ceil(training_gb / accelerator_memory_gb),
        "weights_memory_gb": weights_gb,
        "min_accelerators_inference": np.ceil(weights_gb / accelerator_memory_gb),
    }


MODEL = Model(
    name="memory",
    kernel=memory,
    inputs=(
        Port("params", "parameter", "parameters in the model (N)", domain="positive"),
        Port(
            "training_bytes_per_param",
            "B/parameter",
            "training state per parameter (≈ 20 for Adam)",
            domain="positive",
        ),
        Port(
            "bytes_per_param",
            "B/parameter",
            "bytes per weight: 4 fp32, 2 bf16, 1 int8",
            domain="positive",
        ),
        Port("accelerator_memory_gb", "GB", "memory (HBM) of one accelerator", domain="positive"),
    ),
    outputs=(
        Port("training_memory_gb", "GB", "weights, gradients and optimizer state"),
        Port("min_accelerators_training", "1", "accelerators needed to hold training state"),
        Port("weights_memory_gb", "GB", "weights for inference"),
        Port("min_accelerators_inference", "1", "accelerators needed to hold the weights"),
    ),
    source="Smith et al. 2022 (MT-NLG), §2.1: 20 bytes per parameter",
)

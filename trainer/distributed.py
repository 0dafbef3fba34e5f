"""Where training runs: the device, and under `torchrun` one process per CPU slot or GPU, joined
with PyTorch's own DistributedDataParallel. Plain `python -m trainer` gets a single-process
context and no process group at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """Only the main process writes files and prints progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def sum(self, *values: float) -> list[float]:
        """Add up per-process numbers across all processes (identity when alone)."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.tolist()

    def sum_tensor(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            tensor = tensor.to(self.device)
            dist.all_reduce(tensor)
        return tensor.cpu()

    def broadcast(self, tensor: torch.Tensor) -> None:
        """Overwrite `tensor` in place with the main process's copy."""
        if self.distributed:
            dist.broadcast(tensor, src=0)

    def broadcast_object(self, obj: object) -> object:
        if not self.distributed:
            return obj
        holder = [obj]
        dist.broadcast_object_list(holder, src=0)
        return holder[0]

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()


def select_device(name: str) -> torch.device:
    """--device: "auto" (CUDA when present, else the CPU), "cpu" or "cuda"."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA GPU is available")
    return torch.device(name)


def launched_by_torchrun() -> bool:
    return "TORCHELASTIC_RUN_ID" in os.environ or int(os.environ.get("WORLD_SIZE", "1")) > 1


def start(device: torch.device) -> Context:
    """Join the process group torchrun set up (gloo on CPU, NCCL on GPUs)."""
    if not launched_by_torchrun():
        return Context(device=device)
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world_size)))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        # Share the cores: oversubscribed OpenMP threads make every process crawl.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
        backend = "gloo"
    dist.init_process_group(backend=backend, device_id=device if backend == "nccl" else None)
    return Context(rank=rank, world_size=world_size, local_rank=local_rank, device=device)


def wrap(model: nn.Module, context: Context) -> nn.Module:
    """The model as the training steps call it: DistributedDataParallel (which averages the
    gradients across processes) under torchrun, else the model itself."""
    if not context.distributed:
        return model
    device = context.device
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda"
                                   else None)


def stop(context: Context) -> None:
    if context.distributed and dist.is_initialized():
        dist.destroy_process_group()

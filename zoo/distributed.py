"""Where this process stands in a distributed run, and what the ranks share."""
import torch


def rank_and_world_size() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def gather(items: list) -> list:
    """Every rank's items, in rank order, on every rank."""
    _, world_size = rank_and_world_size()
    if world_size == 1:
        return items
    shares = [None] * world_size
    torch.distributed.all_gather_object(shares, items)
    return [item for share in shares for item in share]

"""Beam search over a decoder's `step` (greedy decoding is a beam of one)."""
import torch


def select_rows(state, index: torch.Tensor):
    """Reorder every tensor of a (nested) generation state along its batch dimension."""
    if isinstance(state, torch.Tensor):
        return state.index_select(0, index)
    if isinstance(state, dict):
        return {key: select_rows(value, index) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(select_rows(value, index) for value in state)
    return state


def block_repeated_ngrams(log_probs: torch.Tensor, tokens: torch.Tensor, size: int) -> None:
    """Set to -inf, in place, the log-probability of every token that would write an n-gram of `size` tokens a
    second time in its row (`tokens`: (rows, t), the rows written so far; `log_probs`: (rows, vocab))."""
    if tokens.shape[1] < size:
        return
    written = tokens.unfold(1, size, 1)  # (rows, t - size + 1, size): every n-gram of each row
    # an n-gram whose first size - 1 tokens are the row's last size - 1 would be repeated by its last token
    repeats = (written[:, :, :-1] == tokens[:, None, tokens.shape[1] - size + 1:]).all(-1)
    rows, starts = repeats.nonzero(as_tuple=True)
    log_probs[rows, written[rows, starts, -1]] = float("-inf")


@torch.no_grad()
def beam_search(next_log_probs, state, batch_size: int, beam_size: int, bos: int, eos: int, max_length: int,
                device: torch.device, length_penalty: float = 1.0, no_repeat_ngram: int = 0):
    """Most probable continuations of [BOS] under `next_log_probs(last_tokens, state) -> (log_probs, state)`,
    where `state` holds batch_size * beam_size rows (each sentence's rows together). The finished beams are
    ranked by log-probability / length ** length_penalty (1: per token; 0: the raw sum, which favours short
    outputs). no_repeat_ngram > 0: no hypothesis writes an n-gram of that many tokens twice. Returns a list of
    token-id lists without [BOS] and [EOS]."""
    rows = batch_size * beam_size
    tokens = torch.full((rows, 1), bos, dtype=torch.long, device=device)
    scores = torch.zeros(batch_size, beam_size, device=device)
    scores[:, 1:] = float("-inf")  # all beams start equal: keep one, or the first step fills the beam with twins
    finished = torch.zeros(rows, dtype=torch.bool, device=device)
    lengths = torch.zeros(rows, device=device)
    for _ in range(max_length):
        log_probs, state = next_log_probs(tokens[:, -1], state)
        vocab = log_probs.shape[-1]
        if no_repeat_ngram:
            block_repeated_ngrams(log_probs, tokens, no_repeat_ngram)
        # a finished hypothesis only extends with [EOS] at no cost, so its score stays what it was
        log_probs = torch.where(finished[:, None], torch.full_like(log_probs, float("-inf")), log_probs)
        log_probs[finished, eos] = 0.0
        candidates = (scores.view(rows, 1) + log_probs).view(batch_size, beam_size * vocab)
        scores, flat = candidates.topk(beam_size, dim=-1)
        origin = (flat // vocab + torch.arange(batch_size, device=device)[:, None] * beam_size).view(-1)
        token = (flat % vocab).view(-1)
        state = select_rows(state, origin)
        lengths = lengths[origin] + (~finished[origin]).float()
        finished = finished[origin] | (token == eos)
        tokens = torch.cat([tokens[origin], token[:, None]], dim=1)
        if finished.all():
            break
    best = (scores.view(-1) / lengths.clamp(min=1) ** length_penalty).view(batch_size, beam_size).argmax(-1)
    chosen = tokens.view(batch_size, beam_size, -1)[torch.arange(batch_size), best, 1:]
    return [_until_eos(row.tolist(), eos) for row in chosen]


def _until_eos(ids: list[int], eos: int) -> list[int]:
    return ids[:ids.index(eos)] if eos in ids else ids

"""The decoder's calling convention, per decoder graph, for the Python side (export checks, fuse_model, tests), as
src/engine/kvDecoder.ts drives it: a first call with an empty cache, then cached calls that feed present.* back as
past.*. A "fused-prefix" decoder also takes prefix_key_values.*: empty on the first call, that call's present.* after.
"""
import numpy as np

from .modelio import decoder_names, prefix_names

GRAPHS = ("fused-prefix", "fused", "traced")


def shares_prefix(graph):
    if graph not in GRAPHS:
        raise ValueError(f"decoder_graph must be one of {GRAPHS}, not {graph!r}")
    return graph == "fused-prefix"


def _empty(arch, rows):
    return np.zeros((rows, arch["n_heads"], 0, arch["head_dim"]), np.float32)


def first_feeds(io, arch, graph, embeds):
    """embeds [B,T,D] (image prefix + BOS, or a whole sequence) with an empty cache."""
    in_names, _ = decoder_names(io, arch["n_layers"])
    rows = embeds.shape[0]
    feeds = {in_names[0]: embeds, in_names[1]: np.arange(rows, dtype=np.int64)}
    feeds.update({n: _empty(arch, rows) for n in in_names[2:]})
    if shares_prefix(graph):
        feeds.update({n: _empty(arch, 1) for n in prefix_names(io, arch["n_layers"])})
    return feeds


def next_feeds(io, arch, graph, embeds, beams, first_out, last_out=None):
    """A cached call: embeds [B,1,D], beams [B] (the previous call's row each continues). first_out: the first call's
    outputs; last_out: the previous call's, when it was not the first."""
    in_names, out_names = decoder_names(io, arch["n_layers"])
    feeds = {in_names[0]: embeds, in_names[1]: np.asarray(beams, np.int64)}
    if shares_prefix(graph):
        feeds.update({n: first_out[o] for n, o in zip(prefix_names(io, arch["n_layers"]), out_names[2:])})
        if last_out is None:  # right after the first call the report's own cache is empty
            rows = first_out[out_names[0]].shape[0]
            feeds.update({n: _empty(arch, rows) for n in in_names[2:]})
            return feeds
    source = last_out if last_out is not None else first_out
    feeds.update({n: source[o] for n, o in zip(in_names[2:], out_names[2:])})
    return feeds

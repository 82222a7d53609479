"""The Backbone contract, checked for every architecture of conf/model (DESIGN.md: what the architectures are), a
user's own on ZOO_SEARCHPATH included."""
import pytest
import torch
from hydra.utils import get_class, instantiate
from omegaconf import OmegaConf

from tests.conftest import MODELS, compose_train
from zoo.configurable import options
from zoo.models.ar import AR
from zoo.models.latent_ar import LatentAR, linear_scan
from zoo.models.lstm import LSTM
from zoo.models.rnn import RNN

SIZES = ["model.d_model=16", "model.n_layers=2", "model.n_heads=2", "model.dropout=0.0"]


def readout(y):
    """A random linear read of the output: a plain sum of a LayerNorm's output has zero gradient everywhere."""
    weight = torch.randn(y.shape[-1], dtype=y.dtype, generator=torch.Generator().manual_seed(1))
    return (y * weight).sum()


def backbone(name, *extra, **kwargs):
    cfg = compose_train([f"model={name}", *SIZES, *extra])
    torch.manual_seed(0)
    return instantiate(cfg.model, **kwargs).double().eval()


@pytest.mark.parametrize("name", MODELS)
def test_causal_output_depends_on_no_later_input(name):
    model = backbone(name)
    x = torch.randn(2, 12, 16, dtype=torch.float64, requires_grad=True)
    readout(model(x)[:, 5]).backward()
    assert x.grad[:, 6:].abs().max() == 0
    assert x.grad[:, 5].abs().max() > 0


@pytest.mark.parametrize("name", MODELS)
def test_step_by_step_equals_forward(name):
    model = backbone(name, cross_attention=True)
    x = torch.randn(3, 40, 16, dtype=torch.float64)
    memory = torch.randn(3, 7, 16, dtype=torch.float64)
    memory_mask = torch.ones(3, 7, dtype=torch.bool)
    memory_mask[0, 4:] = False
    parallel = model(x, memory=memory, memory_mask=memory_mask)
    state = model.init_state(3)
    steps = []
    for x_t in x.unbind(1):
        y_t, state = model.step(x_t, state, memory=memory, memory_mask=memory_mask)
        steps.append(y_t)
    torch.testing.assert_close(torch.stack(steps, 1), parallel, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_decoder_sees_memory_and_ignores_its_padding(name):
    model = backbone(name, cross_attention=True)
    x = torch.randn(2, 5, 16, dtype=torch.float64)
    memory = torch.randn(2, 6, 16, dtype=torch.float64, requires_grad=True)
    memory_mask = torch.tensor([[True] * 6, [True] * 3 + [False] * 3])
    readout(model(x, memory=memory, memory_mask=memory_mask)).backward()
    assert memory.grad[0].abs().min() > 0  # every real memory position reaches the output
    assert memory.grad[1, 3:].abs().max() == 0  # padding does not


@pytest.mark.parametrize("name", MODELS)
def test_bidirectional_read_of_a_padded_batch_equals_the_unpadded_sequence(name):
    model = backbone(name, bidirectional=True)
    x = torch.randn(2, 9, 16, dtype=torch.float64, requires_grad=True)
    mask = torch.ones(2, 9, dtype=torch.bool)
    mask[1, 5:] = False
    padded = model(x, causal=False, mask=mask)
    alone = model(x[1:, :5], causal=False)
    torch.testing.assert_close(padded[1, :5], alone[0])
    readout(padded[0, 0]).backward()
    # the first output reads later inputs: to the end of the sequence, or (ar) to the end of its centred window
    last_read = 4 if name == "ar" else 8
    assert x.grad[0, last_read].abs().max() > 0


@pytest.mark.parametrize("window,n_layers", [(1, 1), (3, 2), (8, 2), (5, 4), (2, 3)])
def test_ar_reads_exactly_the_last_window_inputs(window, n_layers):
    torch.manual_seed(0)
    model = AR(window=window, d_model=8, n_layers=n_layers, n_heads=2, dropout=0.0).double()
    x = torch.randn(1, 20, 8, dtype=torch.float64, requires_grad=True)
    readout(model(x)[0, 15]).backward()
    reached = (x.grad[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
    assert reached == list(range(15 - window + 1, 16))


def test_latent_ar_scan_equals_its_loop_over_many_chunks():
    torch.manual_seed(0)
    decay = torch.rand(5, dtype=torch.float64) * 0.2 + 0.79
    inputs = torch.randn(2, 300, 5, dtype=torch.float64)
    state, loop = torch.zeros(2, 5, dtype=torch.float64), []
    for u_t in inputs.unbind(1):
        state = decay * state + u_t
        loop.append(state)
    for chunk in (1, 7, 64, 512):
        torch.testing.assert_close(linear_scan(decay, inputs, chunk), torch.stack(loop, 1))


def test_latent_ar_is_stable_and_reads_the_whole_past():
    model = LatentAR(d_model=8, n_layers=1, n_heads=2, dropout=0.0, d_state=4).double()
    decay = model.layers[0].mixer.decay()
    assert ((decay > 0) & (decay < 1)).all()
    x = torch.randn(1, 50, 8, dtype=torch.float64, requires_grad=True)
    readout(model(x)[0, -1]).backward()
    assert x.grad[0, 0].abs().max() > 0


@pytest.mark.parametrize("name", MODELS)
def test_each_backbone_instantiates_on_its_own(name):
    model = backbone(name)
    assert model(torch.randn(1, 4, 16, dtype=torch.float64)).shape == (1, 4, 16)


@pytest.mark.parametrize("overrides,message", [
    (["model=transformer", "model.d_model=30", "model.n_heads=4"], "not divisible"),
    (["model=ar", "model.window=0"], "window must be >= 1"),
    (["model=lstm", "model.dropout=1.0"], "dropout must be in [0, 1)"),
    (["model=rnn", "model.act=sigmoid"], "'tanh' or 'relu'"),
])
def test_sizes_that_cannot_work_are_refused(overrides, message):
    cfg = compose_train(overrides)
    with pytest.raises(Exception) as caught:
        instantiate(cfg.model)
    assert message in str(caught.value.__cause__ or caught.value)


def test_the_lstm_forget_gate_starts_open_and_the_rnn_gain_sets_every_singular_value():
    lstm = LSTM(d_model=8, n_layers=1, n_heads=2, forget_bias=1.0).layers[0].mixer.recurrence
    total = lstm.bias_ih_l0 + lstm.bias_hh_l0  # gates: input, forget, cell, output
    assert torch.equal(total[8:16], torch.ones(8))
    rnn = RNN(d_model=8, n_layers=1, n_heads=2, act="relu", recurrent_gain=2.0).layers[0].mixer.recurrence
    assert torch.allclose(torch.linalg.svdvals(rnn.weight_hh_l0), torch.full((8,), 2.0), atol=1e-5)


@pytest.mark.parametrize("name", options("model"))  # zoo's own: a user's class keeps its defaults as it likes
def test_the_class_built_with_no_arguments_is_the_model_its_config_builds(name):
    """Each default is written once, in the YAML: the class takes it from there (no data set's recipe on top)."""
    node = compose_train([f"model={name}", "~recipe"]).model
    torch.manual_seed(0)
    configured = instantiate(node)
    torch.manual_seed(0)
    bare = get_class(node._target_)()
    assert repr(bare) == repr(configured)
    configured_weights, bare_weights = configured.state_dict(), bare.state_dict()
    assert list(bare_weights) == list(configured_weights)
    for key, weight in bare_weights.items():
        assert torch.equal(weight, configured_weights[key]), key


def knob_values(datamodule) -> dict:
    return {key: value for key, value in vars(datamodule).items()
            if not key.startswith("_") and isinstance(value, (int, float, str, bool, tuple, list, type(None)))}


@pytest.mark.parametrize("name", options("data"))
def test_the_data_set_built_with_no_arguments_is_the_one_its_config_builds(name, tmp_path):
    node = compose_train([f"data={name}", "~recipe"]).data
    required = {key: str(tmp_path / key) for key in node if OmegaConf.is_missing(node, key)}  # series: path, column
    configured = instantiate(node, **required)
    bare = get_class(node._target_)(**required)
    assert knob_values(bare) == knob_values(configured)
    assert len(knob_values(bare)) >= 2

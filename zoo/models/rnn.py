"""Elman RNN: h_t = act(W x_t + U h_{t-1} + b), PyTorch's fused nn.RNN.

Information passes through `act` and U at every step, so what came long ago fades, or, when U stretches more
than `act` squashes (a ReLU and `recurrent_gain` above 1), blows up.
"""
from torch import nn

from zoo.models.backbone import Backbone
from zoo.models.recurrent import FusedRecurrence


class RNN(Backbone):
    search_space = {"model.act": ["tanh", "relu"]}

    def __init__(self, *, act: str, recurrent_gain: float | None, **backbone):
        if act not in ("tanh", "relu"):
            raise ValueError(f"model.act must be 'tanh' or 'relu', got {act!r}")
        if recurrent_gain is not None and recurrent_gain <= 0:
            raise ValueError(f"model.recurrent_gain must be > 0 (or null: PyTorch's initialisation), got {recurrent_gain}")
        # read by make_mixer, which the Backbone calls while it builds its layers
        self.act, self.recurrent_gain = act, recurrent_gain
        super().__init__(**backbone)

    def make_mixer(self, layer):
        recurrence = nn.RNN(self.d_model, self.d_model, nonlinearity=self.act, batch_first=True)
        if self.recurrent_gain is not None:
            # U = gain x a random orthogonal matrix: every singular value is the gain, so a step scales any
            # direction by exactly that much before `act` (1 with a ReLU is the IRNN of Le et al. 2015)
            nn.init.orthogonal_(recurrence.weight_hh_l0, gain=self.recurrent_gain)
        return FusedRecurrence(recurrence)

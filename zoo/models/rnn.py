"""Elman RNN: h_t = act(W x_t + U h_{t-1} + b), PyTorch's fused nn.RNN.

Information passes through `act` at every step, so what came long ago fades (tanh) or blows up (relu).
"""
from torch import nn

from zoo.models.backbone import Backbone
from zoo.models.recurrent import FusedRecurrence


class RNN(Backbone):
    def __init__(self, act: str = "tanh", **backbone):
        if act not in ("tanh", "relu"):
            raise ValueError(f"model.act must be 'tanh' or 'relu', got {act!r}")
        self.act = act  # read by make_mixer, which the Backbone calls while it builds its layers
        super().__init__(**backbone)

    def make_mixer(self, layer):
        return FusedRecurrence(nn.RNN(self.d_model, self.d_model, nonlinearity=self.act, batch_first=True))

"""LSTM: a cell state carried along like a conveyor belt, written and read through forget, input and output
gates (Hochreiter & Schmidhuber, 1997). PyTorch's fused nn.LSTM."""
from torch import nn

from zoo.models.backbone import Backbone
from zoo.models.recurrent import FusedRecurrence


class LSTM(Backbone):
    def make_mixer(self, layer):
        return FusedRecurrence(nn.LSTM(self.d_model, self.d_model, batch_first=True))

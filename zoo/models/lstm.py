"""LSTM: a cell state carried along like a conveyor belt, written and read through forget, input and output
gates (Hochreiter & Schmidhuber, 1997). PyTorch's fused nn.LSTM."""
import torch
from torch import nn

from zoo.models.backbone import Backbone
from zoo.models.recurrent import FusedRecurrence


class LSTM(Backbone):
    def __init__(self, *, forget_bias: float, **backbone):
        self.forget_bias = forget_bias  # read by make_mixer, which the Backbone calls while it builds its layers
        super().__init__(**backbone)

    def make_mixer(self, layer):
        recurrence = nn.LSTM(self.d_model, self.d_model, batch_first=True)
        # the forget gate starts open, sigmoid(1) = 0.73, so the cell carries what it holds from the first step
        # (Gers et al. 2000; Jozefowicz et al. 2015); PyTorch's zero bias starts it half shut. Gates are ordered
        # input, forget, cell, output; the two biases add up.
        with torch.no_grad():
            recurrence.bias_ih_l0[self.d_model:2 * self.d_model] = self.forget_bias
            recurrence.bias_hh_l0[self.d_model:2 * self.d_model] = 0.0
        return FusedRecurrence(recurrence)

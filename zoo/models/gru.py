"""GRU: reset and update gates on a single hidden state, no separate cell (Cho et al., 2014).
PyTorch's fused nn.GRU."""
from torch import nn

from zoo.models.backbone import Backbone
from zoo.models.recurrent import FusedRecurrence


class GRU(Backbone):
    def make_mixer(self, layer):
        return FusedRecurrence(nn.GRU(self.d_model, self.d_model, batch_first=True))

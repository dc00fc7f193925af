"""PyTorch's `torch.nn.modules.rnn`: the same classes, for code that imports them from there."""

from .. import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401

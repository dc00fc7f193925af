"""Stanford CS231n's assignments (the 2024 and 2025 editions' PyTorch code), run as students run them with
`import autograd_core as torch`, and giving PyTorch's numbers.

Assignment 2, PyTorch.ipynb: Part II, barebones PyTorch (flatten, two_layer_fc, three_layer_convnet, random_weight
with Kaiming's scale and zero_weight, check_accuracy_part2, train_part2's SGD by hand under torch.no_grad()); Part III,
the Module API (TwoLayerFC, ThreeLayerConvNet with nn.init.kaiming_normal_, check_accuracy_part34, train_part34 with
optim.SGD); Part IV, the Sequential API (a Flatten module, nn.Sequential, SGD with Nesterov momentum); Part V, an
open-ended net (BatchNorm2d, BatchNorm1d, Dropout, max pooling, Adam with weight decay). The loaders are the
notebook's: a DataLoader with a SubsetRandomSampler over a dataset with a `train` attribute. Assignment 2 (2025),
RNN_Captioning_pytorch: rnn_layers_pytorch (rnn_step_forward, rnn_forward, word_embedding_forward, lstm_step_forward,
lstm_forward, temporal_affine_forward, temporal_softmax_loss) checked on the notebook's linspace inputs (its expected
next_h and RNN loss 9.8323559) and with torch.autograd.gradcheck (whose choice of inputs and outputs, PyTorch's, is
the library fix this brought: tests/test_gradcheck_inputs.py), CaptioningRNN's loss and sample with both cells,
and a small model overfit with Adam. Its BatchNormalization, Dropout and ConvolutionalNetworks notebooks check
NumPy layers: not ours, left out.

Assignment 3: Transformer_Captioning (MultiHeadAttention with an attn_mask, PositionalEncoding as a buffer, the
decoder layers, CaptioningTransformer's forward and greedy sample, CaptioningSolverTransformer with its
transformer_temporal_softmax_loss, and the 2025 edition's Vision Transformer: PatchEmbedding, encoder layers);
Generative_Adversarial_Networks (sample_noise, the discriminator and generator Sequentials and their parameter counts,
bce_loss with binary_cross_entropy_with_logits, discriminator_loss, generator_loss, the least-squares losses,
build_dc_classifier and build_dc_generator with ConvTranspose2d and BatchNorm, initialize_weights with
xavier_uniform_, get_optimizer's Adam betas, run_a_gan's loop for the vanilla, least-squares and DC GANs);
Self_Supervised_Learning (sim, simclr_loss_naive, sim_positive_pairs, compute_sim_matrix, simclr_loss_vectorized and
the students' other spellings of them, the SimCLR model with F.normalize, train's epochs, the k-nearest-neighbour test
and train_val's linear evaluation); Network_Visualization (compute_saliency_maps, make_fooling_image,
create_class_visualization with class_visualization_update_step, jitter and blur_image: gradients with respect to the
input image); and the 2025 edition's DDPM (the U-Net with RMSNorm, sinusoidal time embeddings and context
modulation, GaussianDiffusion's linear, cosine and sigmoid schedules, q_sample, the posterior, p_losses, training,
sampling and classifier-free guidance; einops' one `rearrange` written as indexing) and CLIP_DINO's own code
(get_similarity_no_loop, the zero-shot classifier and CLIPImageRetriever over a tiny CLIP stand-in, compute_iou,
DINOSegmentation trained on stand-in patch features). From the 2023 edition, StyleTransfer-PyTorch (extract_features,
content_loss, gram_matrix with bmm, style_loss, tv_loss, and style_transfer optimising the image's pixels with Adam,
clamped through `img.data`, from the content image or from `torch.Tensor(content_img.size()).uniform_(0, 1)`: the
library fix it brought, a torch.Size given to a legacy constructor is a shape, has its own tests in
tests/test_legacy_constructors.py). The torchvision parts
(Network_Visualization's preprocess and deprocess with ToPILImage on torchvision.models.squeezenet1_1, which
autograd_core.vision.models now has (tests/test_vision_models_squeezenet.py), SimCLR's compute_train_transform with
RandomResizedCrop, ColorJitter, RandomApply and RandomGrayscale on PIL images) run with autograd_core.vision
(torchvision is not installed beside PyTorch here, so that program is not compared).

The programs are the assignments' code, CPU-sized: small random stand-ins of the right shapes for CIFAR-10, MNIST,
COCO's features and ImageNet (16×16 or 8×8 images where CIFAR-10's are 32×32), a small convolutional net for the
pretrained SqueezeNet and SimCLR's ResNet-50, a few iterations, no plots. Where a line is spelled differently from
the assignment because of a documented design difference, a comment beside it says so (a computed tensor's `.data`
is its NumPy array here: `fake_images.data.cpu()` is written `fake_images.detach().cpu()`).

The harness is tests/program_harness.py's: each program runs with autograd_core; where PyTorch is installed it runs
again with PyTorch from the same starting numbers (random draws, layer initialisations, `weight.data.normal_`,
xavier_uniform_ and kaiming_normal_ fills, DataLoader and SubsetRandomSampler orders replayed from our run, dropout's
masks too) and every number it prints, tensors included, agrees to float32 precision. Beside them each program is
checked without PyTorch (losses fall, the notebooks' expected values and parameter counts, the fooling image fools).
The library fix the assignments brought (transforms.ToPILImage and functional.to_pil_image) has its own tests in
tests/test_vision_transforms.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from program_harness import compare_with_pytorch, reported_numbers, run, with_our_imports

import autograd_core as ag

PYTORCH_NOTEBOOK = r'''
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler

import numpy as np

USE_GPU = True
dtype = torch.float32 # We will be using float throughout this tutorial.

if USE_GPU and torch.cuda.is_available():
    device = torch.device('cuda')
else:
    device = torch.device('cpu')

# Constant to control how frequently we print train loss.
print_every = 4
print('using device:', device)


class StandInCIFAR10(torch.utils.data.Dataset):
    """CIFAR-10's stand-in: 3 x 16 x 16 images of ten classes, a fixed pattern per class plus noise, normalised as
    T.Normalize would leave them; `train` as torchvision's CIFAR10 has it."""
    patterns = np.random.RandomState(231).randn(10, 3, 16, 16).astype(np.float32)

    def __init__(self, train, size, seed):
        rng = np.random.RandomState(seed)
        self.train = train
        self.targets = rng.randint(0, 10, size=size)
        self.data = (self.patterns[self.targets] + 1.5 * rng.randn(size, 3, 16, 16)).astype(np.float32)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return torch.from_numpy(self.data[index]), int(self.targets[index])


NUM_TRAIN = 320

cifar10_train = StandInCIFAR10(train=True, size=400, seed=0)
loader_train = DataLoader(cifar10_train, batch_size=32,
                          sampler=sampler.SubsetRandomSampler(range(NUM_TRAIN)))

cifar10_val = cifar10_train
loader_val = DataLoader(cifar10_val, batch_size=32,
                        sampler=sampler.SubsetRandomSampler(range(NUM_TRAIN, 400)))

cifar10_test = StandInCIFAR10(train=False, size=64, seed=1)
loader_test = DataLoader(cifar10_test, batch_size=32)


def flatten(x):
    N = x.shape[0] # read in N, C, H, W
    return x.view(N, -1)  # "flatten" the C * H * W values into a single vector per image

def test_flatten():
    x = torch.arange(12).view(2, 1, 3, 2)
    print('Before flattening: ', x)
    print('After flattening: ', flatten(x))

test_flatten()

import torch.nn.functional as F  # useful stateless functions

def two_layer_fc(x, params):
    # first we flatten the image
    x = flatten(x)  # shape: [batch_size, C x H x W]

    w1, w2 = params

    # Forward pass: compute predicted y using operations on Tensors.
    x = F.relu(x.mm(w1))
    x = x.mm(w2)
    return x


def two_layer_fc_test():
    hidden_layer_size = 42
    x = torch.zeros((64, 50), dtype=dtype)  # minibatch size 64, feature dimension 50
    w1 = torch.zeros((50, hidden_layer_size), dtype=dtype)
    w2 = torch.zeros((hidden_layer_size, 10), dtype=dtype)
    scores = two_layer_fc(x, [w1, w2])
    print(scores.size())  # you should see [64, 10]

two_layer_fc_test()


def three_layer_convnet(x, params):
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    scores = None
    x = F.conv2d(x, conv_w1, conv_b1, padding=2)
    x = F.relu(x)
    x = F.conv2d(x, conv_w2, conv_b2, padding=1)
    x = F.relu(x)
    x = flatten(x)
    scores = x.matmul(fc_w) + fc_b
    return scores


def three_layer_convnet_test():
    x = torch.zeros((64, 3, 32, 32), dtype=dtype)  # minibatch size 64, image size [3, 32, 32]

    conv_w1 = torch.zeros((6, 3, 5, 5), dtype=dtype)  # [out_channel, in_channel, kernel_H, kernel_W]
    conv_b1 = torch.zeros((6,))  # out_channel
    conv_w2 = torch.zeros((9, 6, 3, 3), dtype=dtype)  # [out_channel, in_channel, kernel_H, kernel_W]
    conv_b2 = torch.zeros((9,))  # out_channel

    # you must calculate the shape of the tensor after two conv layers, before the fully-connected layer
    fc_w = torch.zeros((9 * 32 * 32, 10))
    fc_b = torch.zeros(10)

    scores = three_layer_convnet(x, [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b])
    print(scores.size())  # you should see [64, 10]
three_layer_convnet_test()


def random_weight(shape):
    """
    Create random Tensors for weights; setting requires_grad=True means that we
    want to compute gradients for these Tensors during the backward pass.
    We use Kaiming normalization: sqrt(2 / fan_in)
    """
    if len(shape) == 2:  # FC weight
        fan_in = shape[0]
    else:
        fan_in = np.prod(shape[1:]) # conv weight [out_channel, in_channel, kH, kW]
    # randn is standard normal distribution generator.
    w = torch.randn(shape, device=device, dtype=dtype) * np.sqrt(2. / fan_in)
    w.requires_grad = True
    return w

def zero_weight(shape):
    return torch.zeros(shape, device=device, dtype=dtype, requires_grad=True)

# create a weight of shape [3 x 5]
print(random_weight((3, 5)))


def check_accuracy_part2(loader, model_fn, params):
    split = 'val' if loader.dataset.train else 'test'
    print('Checking accuracy on the %s set' % split)
    num_correct, num_samples = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device, dtype=dtype)  # move to device, e.g. GPU
            y = y.to(device=device, dtype=torch.int64)
            scores = model_fn(x, params)
            _, preds = scores.max(1)
            num_correct += (preds == y).sum()
            num_samples += preds.size(0)
        acc = float(num_correct) / num_samples
        print('Got %d / %d correct (%.2f%%)' % (num_correct, num_samples, 100 * acc))
    return acc


def train_part2(model_fn, params, learning_rate):
    for t, (x, y) in enumerate(loader_train):
        # Move the data to the proper device (GPU or CPU)
        x = x.to(device=device, dtype=dtype)
        y = y.to(device=device, dtype=torch.long)

        # Forward pass: compute scores and loss
        scores = model_fn(x, params)
        loss = F.cross_entropy(scores, y)

        # Backward pass
        loss.backward()

        # Update parameters under torch.no_grad()
        with torch.no_grad():
            for w in params:
                w -= learning_rate * w.grad

                # Manually zero the gradients after running the backward pass
                w.grad.zero_()

        if t % print_every == 0:
            print('Iteration %d, loss = %.4f' % (t, loss.item()))
            check_accuracy_part2(loader_val, model_fn, params)
            print()


hidden_layer_size = 100
learning_rate = 1e-2

w1 = random_weight((3 * 16 * 16, hidden_layer_size))
w2 = random_weight((hidden_layer_size, 10))

train_part2(two_layer_fc, [w1, w2], learning_rate)
two_layer_accuracy = check_accuracy_part2(loader_test, two_layer_fc, [w1, w2])

learning_rate = 3e-3

channel_1 = 8
channel_2 = 4

conv_w1 = random_weight((channel_1, 3, 5, 5))
conv_b1 = zero_weight(channel_1)
conv_w2 = random_weight((channel_2, channel_1, 3, 3))
conv_b2 = zero_weight(channel_2)

H_1 = W_1 = 1 + (16 + 2 * 2 - 5) // 1
H_2 = W_2 = 1 + (H_1 + 2 * 1 - 3) // 1
fc_w = random_weight((channel_2 * H_2 * W_2, 10))
fc_b = zero_weight(10)

params = [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]
train_part2(three_layer_convnet, params, learning_rate)


# Part III. PyTorch Module API
class TwoLayerFC(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        # assign layer objects to class attributes
        self.fc1 = nn.Linear(input_size, hidden_size)
        # nn.init package contains convenient initialization methods
        nn.init.kaiming_normal_(self.fc1.weight)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        nn.init.kaiming_normal_(self.fc2.weight)

    def forward(self, x):
        # forward always defines connectivity
        x = flatten(x)
        scores = self.fc2(F.relu(self.fc1(x)))
        return scores

def test_TwoLayerFC():
    input_size = 50
    x = torch.zeros((64, input_size), dtype=dtype)  # minibatch size 64, feature dimension 50
    model = TwoLayerFC(input_size, 42, 10)
    scores = model(x)
    print(scores.size())  # you should see [64, 10]
test_TwoLayerFC()


class ThreeLayerConvNet(nn.Module):
    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, kernel_size=5, padding=2)
        nn.init.kaiming_normal_(self.conv1.weight)
        self.conv2 = nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1)
        nn.init.kaiming_normal_(self.conv2.weight)
        self.fc1 = nn.Linear(channel_2 * 16 * 16, num_classes)
        nn.init.kaiming_normal_(self.fc1.weight)

    def forward(self, x):
        scores = None
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = flatten(x)
        scores = self.fc1(x)
        return scores


def test_ThreeLayerConvNet():
    x = torch.zeros((64, 3, 16, 16), dtype=dtype)  # minibatch size 64, image size [3, 16, 16]
    model = ThreeLayerConvNet(in_channel=3, channel_1=12, channel_2=8, num_classes=10)
    scores = model(x)
    print(scores.size())  # you should see [64, 10]
test_ThreeLayerConvNet()


def check_accuracy_part34(loader, model):
    if loader.dataset.train:
        print('Checking accuracy on validation set')
    else:
        print('Checking accuracy on test set')
    num_correct = 0
    num_samples = 0
    model.eval()  # set model to evaluation mode
    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device, dtype=dtype)  # move to device, e.g. GPU
            y = y.to(device=device, dtype=torch.long)
            scores = model(x)
            _, preds = scores.max(1)
            num_correct += (preds == y).sum()
            num_samples += preds.size(0)
        acc = float(num_correct) / num_samples
        print('Got %d / %d correct (%.2f)' % (num_correct, num_samples, 100 * acc))
    return acc


def train_part34(model, optimizer, epochs=1):
    model = model.to(device=device)  # move the model parameters to CPU/GPU
    for e in range(epochs):
        for t, (x, y) in enumerate(loader_train):
            model.train()  # put model to training mode
            x = x.to(device=device, dtype=dtype)  # move to device, e.g. GPU
            y = y.to(device=device, dtype=torch.long)

            scores = model(x)
            loss = F.cross_entropy(scores, y)

            # Zero out all of the gradients for the variables which the optimizer will update.
            optimizer.zero_grad()

            # This is the backwards pass.
            loss.backward()

            # Actually update the parameters of the model.
            optimizer.step()

            if t % print_every == 0:
                print('Iteration %d, loss = %.4f' % (t, loss.item()))
                check_accuracy_part34(loader_val, model)
                print()


hidden_layer_size = 100
learning_rate = 1e-2
model = TwoLayerFC(3 * 16 * 16, hidden_layer_size, 10)
optimizer = optim.SGD(model.parameters(), lr=learning_rate)

train_part34(model, optimizer)

learning_rate = 3e-3
channel_1 = 8
channel_2 = 4

model = ThreeLayerConvNet(3, channel_1, channel_2, 10)
optimizer = optim.SGD(model.parameters(), lr=learning_rate)

train_part34(model, optimizer)


# Part IV. PyTorch Sequential API
# We need to wrap `flatten` function in a module in order to stack it in nn.Sequential
class Flatten(nn.Module):
    def forward(self, x):
        return flatten(x)

hidden_layer_size = 100
learning_rate = 1e-2

model = nn.Sequential(
    Flatten(),
    nn.Linear(3 * 16 * 16, hidden_layer_size),
    nn.ReLU(),
    nn.Linear(hidden_layer_size, 10),
)

# you can use Nesterov momentum in optim.SGD
optimizer = optim.SGD(model.parameters(), lr=learning_rate,
                     momentum=0.9, nesterov=True)

train_part34(model, optimizer)

channel_1 = 8
channel_2 = 4
learning_rate = 1e-2

model = nn.Sequential(
    nn.Conv2d(3, channel_1, kernel_size=5, padding=2),
    nn.ReLU(),
    nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1),
    nn.ReLU(),
    Flatten(),
    nn.Linear(channel_2 * 16 * 16, 10),
)
optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)

train_part34(model, optimizer)
sequential_accuracy = check_accuracy_part34(loader_test, model)


# Part V. CIFAR-10 open-ended challenge
class MyConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, padding=1)
        nn.init.kaiming_normal_(self.conv1.weight)
        self.bn1 = nn.BatchNorm2d(8)

        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        nn.init.kaiming_normal_(self.conv2.weight)
        self.bn2 = nn.BatchNorm2d(16)

        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(16 * 4 * 4, 32)
        nn.init.kaiming_normal_(self.fc.weight)
        self.bn3 = nn.BatchNorm1d(32)
        self.out = nn.Linear(32, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2)

        x = F.relu(self.bn2(self.conv2(x)))
        x = F.max_pool2d(x, 2)

        x = flatten(x)
        x = self.dropout(F.relu(self.bn3(self.fc(x))))
        scores = self.out(x)
        return scores


model = MyConvNet()
optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

# You should get at least 70% accuracy
train_part34(model, optimizer, epochs=3)

best_model = model
test_accuracy = check_accuracy_part34(loader_test, best_model)
print("running mean of the first batch norm:", best_model.bn1.running_mean)
'''

RNN_CAPTIONING = r'''
import numpy as np
import torch


def rel_error(x, y):
    """ returns relative error """
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = None
    next_h = torch.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h


def rnn_forward(x, h0, Wx, Wh, b):
    h = None
    N, T, D = x.shape
    hs = []
    prev_h = h0
    for t in range(T):
        prev_h = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        hs.append(prev_h)
    h = torch.stack(hs, dim=1)
    return h


def word_embedding_forward(x, W):
    out = None
    out = W[x]
    return out


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    next_h, next_c = None, None
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = torch.sigmoid(a[:, :H])
    f = torch.sigmoid(a[:, H:2 * H])
    o = torch.sigmoid(a[:, 2 * H:3 * H])
    g = torch.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * torch.tanh(next_c)
    return next_h, next_c


def lstm_forward(x, h0, Wx, Wh, b):
    h = None
    N, T, D = x.shape
    h = torch.zeros(N, T, h0.shape[1], dtype=x.dtype)
    prev_h, prev_c = h0, torch.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
    return h


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = (x.reshape(N * T, D) @ w).reshape(N, T, M) + b
    return out


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape

    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)

    loss = torch.nn.functional.cross_entropy(x_flat, y_flat, reduction='none')
    loss = loss * mask_flat.float()
    loss = loss.sum() / N

    return loss


# The notebook's checks, on its linspace inputs
N, D, H = 3, 10, 4

x = torch.linspace(-0.4, 0.7, steps=N*D).reshape(N, D)
prev_h = torch.linspace(-0.2, 0.5, steps=N*H).reshape(N, H)
Wx = torch.linspace(-0.1, 0.9, steps=D*H).reshape(D, H)
Wh = torch.linspace(-0.3, 0.7, steps=H*H).reshape(H, H)
b = torch.linspace(-0.2, 0.4, steps=H)

next_h = rnn_step_forward(x, prev_h, Wx, Wh, b)
expected_next_h = np.asarray([
  [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
  [ 0.66854692,  0.79562378,  0.87755553,  0.92795967],
  [ 0.97934501,  0.99144213,  0.99646691,  0.99854353]])

print('next_h error: ', rel_error(expected_next_h, next_h.numpy()) < 1e-6)

N, T, D, H = 2, 3, 4, 5

x = torch.linspace(-0.1, 0.3, steps=N*T*D).reshape(N, T, D)
h0 = torch.linspace(-0.3, 0.1, steps=N*H).reshape(N, H)
Wx = torch.linspace(-0.2, 0.4, steps=D*H).reshape(D, H)
Wh = torch.linspace(-0.4, 0.1, steps=H*H).reshape(H, H)
b = torch.linspace(-0.7, 0.1, steps=H)

h = rnn_forward(x, h0, Wx, Wh, b)
print('h:', h)

N, T, V, D = 2, 4, 5, 3

x = torch.tensor([[0, 3, 1, 2], [2, 1, 0, 3]])
W = torch.linspace(0, 1, steps=V*D).reshape(V, D)

out = word_embedding_forward(x, W)
print('word embeddings:', out)

N, D, H = 3, 4, 5
x = torch.linspace(-0.4, 1.2, steps=N*D).reshape(N, D)
prev_h = torch.linspace(-0.3, 0.7, steps=N*H).reshape(N, H)
prev_c = torch.linspace(-0.4, 0.9, steps=N*H).reshape(N, H)
Wx = torch.linspace(-2.1, 1.3, steps=4*D*H).reshape(D, 4 * H)
Wh = torch.linspace(-0.7, 2.2, steps=4*H*H).reshape(H, 4 * H)
b = torch.linspace(0.3, 0.7, steps=4*H)

next_h, next_c = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
print('next_h:', next_h)
print('next_c:', next_c)

# Gradient checks of the layers in float64: autograd against finite differences
N, D, H = 3, 4, 5
x = torch.randn(N, D, dtype=torch.float64, requires_grad=True)
prev_h = torch.randn(N, H, dtype=torch.float64, requires_grad=True)
prev_c = torch.randn(N, H, dtype=torch.float64, requires_grad=True)
Wx = torch.randn(D, 4 * H, dtype=torch.float64, requires_grad=True)
Wh = torch.randn(H, 4 * H, dtype=torch.float64, requires_grad=True)
b = torch.randn(4 * H, dtype=torch.float64, requires_grad=True)
print("lstm_step_forward gradcheck:", torch.autograd.gradcheck(lstm_step_forward, (x, prev_h, prev_c, Wx, Wh, b)))
W = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
print("word_embedding_forward gradcheck:",
      torch.autograd.gradcheck(word_embedding_forward, (torch.tensor([[0, 3, 1], [4, 4, 2]]), W)))
print("rnn_forward gradcheck:", torch.autograd.gradcheck(rnn_forward, (
    torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True), torch.randn(2, 5, dtype=torch.float64),
    Wx[:, :5].detach().requires_grad_(), Wh[:, :5].detach().requires_grad_(), b[:5].detach())))

# The temporal softmax loss: about 2.3 for small scores; T times that; a tenth of it when most of the mask is off
def check_loss(N, T, V, p):
    x = 0.001 * torch.randn(N, T, V)
    y = torch.randint(V, size=(N, T))
    mask = torch.rand(N, T) <= p
    print(temporal_softmax_loss(x, y, mask).item())

check_loss(100, 1, 10, 1.0)   # Should be about 2.3
check_loss(100, 10, 10, 1.0)  # Should be about 23
check_loss(500, 10, 10, 0.1)  # Should be within 2.2-2.4


class CaptioningRNN:
    def __init__(
        self,
        word_to_idx,
        input_dim=512,
        wordvec_dim=128,
        hidden_dim=128,
        cell_type="rnn",
        dtype=torch.float32,
    ):
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError('Invalid cell_type "%s"' % cell_type)

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)

        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        # Initialize word vectors
        self.params["W_embed"] = torch.randn(vocab_size, wordvec_dim)
        self.params["W_embed"] /= 100

        # Initialize CNN -> hidden state projection parameters
        self.params["W_proj"] = torch.randn(input_dim, hidden_dim)
        self.params["W_proj"] /= np.sqrt(input_dim)
        self.params["b_proj"] = torch.zeros(hidden_dim)

        # Initialize parameters for the RNN
        dim_mul = {"lstm": 4, "rnn": 1}[cell_type]
        self.params["Wx"] = torch.randn(wordvec_dim, dim_mul * hidden_dim)
        self.params["Wx"] /= np.sqrt(wordvec_dim)
        self.params["Wh"] = torch.randn(hidden_dim, dim_mul * hidden_dim)
        self.params["Wh"] /= np.sqrt(hidden_dim)
        self.params["b"] = torch.zeros(dim_mul * hidden_dim)

        # Initialize output to vocab weights
        self.params["W_vocab"] = torch.randn(hidden_dim, vocab_size)
        self.params["W_vocab"] /= np.sqrt(hidden_dim)
        self.params["b_vocab"] = torch.zeros(vocab_size)

        # Cast parameters to correct dtype
        for k, v in self.params.items():
            self.params[k] = v.to(self.dtype)

    def loss(self, features, captions):
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]

        # You'll need this
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss = 0.0
        h0 = affine_forward(features, W_proj, b_proj)
        embeddings = word_embedding_forward(captions_in, W_embed)
        if self.cell_type == "rnn":
            hidden = rnn_forward(embeddings, h0, Wx, Wh, b)
        else:
            hidden = lstm_forward(embeddings, h0, Wx, Wh, b)
        scores = temporal_affine_forward(hidden, W_vocab, b_vocab)
        loss = temporal_softmax_loss(scores, captions_out, mask)
        return loss

    def sample(self, features, max_length=30):
        N = features.shape[0]
        captions = self._null * torch.ones((N, max_length), dtype=torch.long)

        # Unpack parameters
        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        h = affine_forward(features, W_proj, b_proj)
        c = torch.zeros_like(h)
        word = self._start * torch.ones(N, dtype=torch.long)
        for t in range(max_length):
            x = word_embedding_forward(word, W_embed)
            if self.cell_type == "rnn":
                h = rnn_step_forward(x, h, Wx, Wh, b)
            else:
                h, c = lstm_step_forward(x, h, c, Wx, Wh, b)
            scores = affine_forward(h, W_vocab, b_vocab)
            word = torch.argmax(scores, dim=1)
            captions[:, t] = word
        return captions


# The notebook's check of the loss: a model with every parameter a linspace
N, D, W, H = 10, 20, 30, 40
word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
V = len(word_to_idx)
T = 13

for cell_type in ("rnn", "lstm"):
    model = CaptioningRNN(
        word_to_idx,
        input_dim=D,
        wordvec_dim=W,
        hidden_dim=H,
        cell_type=cell_type,
        dtype=torch.float64
    )

    # Set all model parameters to fixed values
    for k, v in model.params.items():
        model.params[k] = torch.linspace(-1.4, 1.3, steps=v.numel()).reshape(*v.shape).to(torch.float64)

    features = torch.linspace(-1.5, 0.3, steps=(N * D)).reshape(N, D).to(torch.float64)
    captions = (torch.arange(N * T) % V).reshape(N, T)

    loss = model.loss(features, captions)
    print(cell_type, 'loss: ', loss.item())


# Overfit a small captioning stand-in with Adam: every parameter a leaf that requires grad
word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "cat": 5, "dog": 6, "on": 7, "the": 8,
               "mat": 9}
rng = np.random.RandomState(231)
num_train, D, T = 8, 12, 6
train_features = rng.randn(num_train, D).astype(np.float32)
train_captions = np.zeros((num_train, T + 1), dtype=np.int64)
for i in range(num_train):
    length = rng.randint(3, T)
    train_captions[i, 0] = word_to_idx["<START>"]
    train_captions[i, 1:length] = rng.randint(4, len(word_to_idx), size=length - 1)
    train_captions[i, length] = word_to_idx["<END>"]

for cell_type in ("rnn", "lstm"):
    torch.manual_seed(231)
    small_model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=16, hidden_dim=24, cell_type=cell_type)
    for p in small_model.params.values():
        p.requires_grad_()
    optimizer = torch.optim.Adam(small_model.params.values(), lr=5e-3)
    features, captions = torch.from_numpy(train_features), torch.from_numpy(train_captions)
    loss_history = []
    for t in range(40):
        loss = small_model.loss(features, captions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_history.append(loss.item())
        if t % 10 == 0:
            print("(%s, iteration %d / %d) loss: %f" % (cell_type, t + 1, 40, loss_history[-1]))
    with torch.no_grad():
        sampled = small_model.sample(features, max_length=T)
    print(cell_type, "samples:", sampled[:2])
    print(cell_type, "final loss:", loss_history[-1])
'''

TRANSFORMER_CAPTIONING = r'''
import copy
import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class PositionalEncoding(nn.Module):
    """
    Encodes information about the positions of the tokens in the sequence. In
    this case, the layer has no learnable parameters, since it is a simple
    function of sines and cosines.
    """
    def __init__(self, embed_dim, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        assert embed_dim % 2 == 0
        # Create an array with a "batch dimension" of 1 (which will broadcast across all examples in the batch).
        pe = torch.zeros(1, max_len, embed_dim)
        position = torch.arange(0, max_len).unsqueeze(1)
        div_term = torch.pow(10000, -torch.arange(0, embed_dim, 2) / embed_dim)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)

        # Make sure the positional encodings will be saved with the model parameters (mostly for completeness).
        self.register_buffer('pe', pe)

    def forward(self, x):
        N, S, D = x.shape
        # Create a placeholder, to be overwritten by your code below.
        output = torch.empty((N, S, D))
        output = x + self.pe[:, :S, :]
        output = self.dropout(output)
        return output


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.1):
        super().__init__()
        assert embed_dim % num_heads == 0

        # We will initialize these layers for you, since swapping the ordering would affect the random number
        # generation (and therefore your exact outputs relative to the autograder).
        self.key = nn.Linear(embed_dim, embed_dim)
        self.query = nn.Linear(embed_dim, embed_dim)
        self.value = nn.Linear(embed_dim, embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

        self.attn_drop = nn.Dropout(dropout)

        self.n_head = num_heads
        self.emd_dim = embed_dim
        self.head_dim = self.emd_dim // self.n_head

    def forward(self, query, key, value, attn_mask=None):
        N, S, E = query.shape
        N, T, E = value.shape
        # Create a placeholder, to be overwritten by your code below.
        output = torch.empty((N, S, E))
        H = self.n_head
        q = self.query(query).view(N, S, H, E // H).permute(0, 2, 1, 3)  # (N, H, S, E/H)
        k = self.key(key).view(N, T, H, E // H).permute(0, 2, 1, 3)  # (N, H, T, E/H)
        v = self.value(value).view(N, T, H, E // H).permute(0, 2, 1, 3)  # (N, H, T, E/H)

        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)  # (N, H, S, T)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, float('-inf'))
        attn = self.attn_drop(F.softmax(scores, dim=-1))
        output = torch.matmul(attn, v).permute(0, 2, 1, 3).reshape(N, S, E)
        output = self.proj(output)
        return output


class FeedForwardNetwork(nn.Module):
    def __init__(self, embed_dim, ffn_dim, dropout=0.1):
        super().__init__()
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.gelu = nn.GELU()
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(ffn_dim, embed_dim)

    def forward(self, x):
        out = torch.empty_like(x)
        out = self.fc2(self.dropout(self.gelu(self.fc1(x))))
        return out


class TransformerDecoderLayer(nn.Module):
    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        self.self_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.ffn = FeedForwardNetwork(input_dim, dim_feedforward, dropout)

        self.norm_self = nn.LayerNorm(input_dim)
        self.norm_cross = nn.LayerNorm(input_dim)
        self.norm_ffn = nn.LayerNorm(input_dim)

        self.dropout_self = nn.Dropout(dropout)
        self.dropout_cross = nn.Dropout(dropout)
        self.dropout_ffn = nn.Dropout(dropout)

    def forward(self, tgt, memory, tgt_mask=None):
        # Self-attention block (reference implementation)
        shortcut = tgt
        tgt = self.self_attn(query=tgt, key=tgt, value=tgt, attn_mask=tgt_mask)
        tgt = self.dropout_self(tgt)
        tgt = tgt + shortcut
        tgt = self.norm_self(tgt)

        # Cross-attention block
        shortcut = tgt
        tgt = self.cross_attn(query=tgt, key=memory, value=memory)
        tgt = self.dropout_cross(tgt)
        tgt = tgt + shortcut
        tgt = self.norm_cross(tgt)

        # Feedforward block
        shortcut = tgt
        tgt = self.ffn(tgt)
        tgt = self.dropout_ffn(tgt)
        tgt = tgt + shortcut
        tgt = self.norm_ffn(tgt)
        return tgt


class PatchEmbedding(nn.Module):
    def __init__(self, img_size, patch_size, in_channels=3, embed_dim=128):
        super().__init__()
        self.img_size = img_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.embed_dim = embed_dim

        assert img_size % patch_size == 0, "Image dimensions must be divisible by the patch size."

        self.num_patches = (img_size // patch_size) ** 2
        self.patch_dim = patch_size * patch_size * in_channels

        # Linear projection of flattened patches to the embedding dimension
        self.proj = nn.Linear(self.patch_dim, embed_dim)

    def forward(self, x):
        N, C, H, W = x.shape
        assert H == self.img_size and W == self.img_size, \
            f"Expected image size ({self.img_size}, {self.img_size}), but got ({H}, {W})"
        out = torch.zeros(N, self.embed_dim)
        P = self.patch_size
        x = x.reshape(N, C, H // P, P, W // P, P)
        x = x.permute(0, 2, 4, 3, 5, 1).reshape(N, self.num_patches, self.patch_dim)
        out = self.proj(x)
        return out


class TransformerEncoderLayer(nn.Module):
    def __init__(self, input_dim, num_heads, dim_feedforward=2048, dropout=0.1):
        super().__init__()
        self.self_attn = MultiHeadAttention(input_dim, num_heads, dropout)
        self.ffn = FeedForwardNetwork(input_dim, dim_feedforward, dropout)

        self.norm_self = nn.LayerNorm(input_dim)
        self.norm_ffn = nn.LayerNorm(input_dim)

        self.dropout_self = nn.Dropout(dropout)
        self.dropout_ffn = nn.Dropout(dropout)

    def forward(self, src, src_mask=None):
        shortcut = src
        src = self.norm_self(self.dropout_self(self.self_attn(src, src, src, attn_mask=src_mask)) + shortcut)
        shortcut = src
        src = self.norm_ffn(self.dropout_ffn(self.ffn(src)) + shortcut)
        return src


def clones(module, N):
    "Produce N identical layers."
    return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])


class TransformerDecoder(nn.Module):
    def __init__(self, decoder_layer, num_layers):
        super().__init__()
        self.layers = clones(decoder_layer, num_layers)
        self.num_layers = num_layers

    def forward(self, tgt, memory, tgt_mask=None):
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask)
        return output


class TransformerEncoder(nn.Module):
    def __init__(self, encoder_layer, num_layers):
        super().__init__()
        self.layers = clones(encoder_layer, num_layers)
        self.num_layers = num_layers

    def forward(self, src, src_mask=None):
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=src_mask)
        return output


class CaptioningTransformer(nn.Module):
    def __init__(self, word_to_idx, input_dim, wordvec_dim, num_heads=4,
                 num_layers=2, max_length=50):
        super().__init__()

        vocab_size = len(word_to_idx)
        self.vocab_size = vocab_size
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        self.visual_projection = nn.Linear(input_dim, wordvec_dim)
        self.embedding = nn.Embedding(vocab_size, wordvec_dim, padding_idx=self._null)
        self.positional_encoding = PositionalEncoding(wordvec_dim, max_len=max_length)

        decoder_layer = TransformerDecoderLayer(input_dim=wordvec_dim, num_heads=num_heads,
                                                dim_feedforward=2 * wordvec_dim)
        self.transformer = TransformerDecoder(decoder_layer, num_layers=num_layers)
        self.apply(self._init_weights)

        self.output = nn.Linear(wordvec_dim, vocab_size)

    def _init_weights(self, module):
        """
        Initialize the weights of the network.
        """
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, features, captions):
        N, T = captions.shape
        # Create a placeholder, to be overwritten by your code below.
        scores = torch.empty((N, T, self.vocab_size))
        caption_embeddings = self.positional_encoding(self.embedding(captions))  # (N, T, W)
        projected_features = self.visual_projection(features).unsqueeze(1)  # (N, 1, W)
        tgt_mask = torch.tril(torch.ones(T, T))
        features = self.transformer(caption_embeddings, projected_features, tgt_mask=tgt_mask)
        scores = self.output(features)
        return scores

    def sample(self, features, max_length=30):
        with torch.no_grad():
            device = next(self.parameters()).device
            features = torch.Tensor(features).to(device)
            N = features.shape[0]

            # Create an empty captions tensor (where all tokens are NULL).
            captions = self._null * np.ones((N, max_length), dtype=np.int32)
            captions = torch.LongTensor(captions).to(device)

            # Create a partial caption, with only the start token.
            partial_caption = self._start * np.ones(N, dtype=np.int32)
            partial_caption = torch.LongTensor(partial_caption).to(device)
            # [N] -> [N, 1]
            partial_caption = partial_caption.unsqueeze(1)

            for t in range(max_length):

                # Predict the next token (ignoring all other time steps).
                output_logits = self.forward(features, partial_caption)
                output_logits = output_logits[:, -1, :]

                # Choose the most likely word ID from the vocabulary.
                # [N, V] -> [N]
                word = torch.argmax(output_logits, axis=1)

                # Update our overall caption and our current partial caption.
                captions[:, t] = word
                word = word.unsqueeze(1)
                partial_caption = torch.cat([partial_caption, word], dim=1)

            return captions.cpu().numpy()


# The notebook's checks of the layers, on its small inputs
torch.manual_seed(231)
batch_size = 1
sequence_length = 3
embed_dim = 6
attn = MultiHeadAttention(embed_dim, num_heads=2)

# Self-attention.
data = torch.randn(batch_size, sequence_length, embed_dim)
self_attn_output = attn(query=data, key=data, value=data)

# Masked self-attention.
mask = torch.randn(sequence_length, sequence_length) < 0.5
masked_self_attn_output = attn(query=data, key=data, value=data, attn_mask=mask)

# Attention using two inputs.
other_data = torch.randn(batch_size, sequence_length, embed_dim)
attn_output = attn(query=data, key=other_data, value=other_data)
print('self_attn_output:', self_attn_output)
print('masked_self_attn_output:', masked_self_attn_output)
print('attn_output:', attn_output)

torch.manual_seed(231)
batch_size = 1
sequence_length = 2
embed_dim = 6
data = torch.randn(batch_size, sequence_length, embed_dim)
pos_encoder = PositionalEncoding(embed_dim)
output = pos_encoder(data)
print('pe_output:', output)
print('buffers:', [name for name, _ in pos_encoder.named_buffers()], list(pos_encoder.state_dict()))


# Overfit a tiny captioning stand-in (COCO's features are 512-d vectors from a CNN; here 16-d random ones)
word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "cat": 5, "dog": 6, "on": 7, "the": 8,
               "mat": 9, "sofa": 10, "sits": 11}
idx_to_word = {i: w for w, i in word_to_idx.items()}
rng = np.random.RandomState(231)
num_train, D, T = 12, 16, 7
data = {"train_features": rng.randn(num_train, D).astype(np.float32),
        "train_captions": np.zeros((num_train, T + 1), dtype=np.int32)}
for i in range(num_train):
    length = rng.randint(3, T)
    data["train_captions"][i, 0] = word_to_idx["<START>"]
    data["train_captions"][i, 1:length] = rng.randint(4, len(word_to_idx), size=length - 1)
    data["train_captions"][i, length] = word_to_idx["<END>"]


def sample_coco_minibatch(data, batch_size=100, split="train"):
    split_size = data["%s_captions" % split].shape[0]
    mask = np.random.choice(split_size, batch_size)
    captions = data["%s_captions" % split][mask]
    image_features = data["%s_features" % split][mask]
    return captions, image_features, None


def decode_captions(captions, idx_to_word):
    decoded = []
    for i in range(captions.shape[0]):
        words = []
        for t in range(captions.shape[1]):
            word = idx_to_word[captions[i, t]]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded


class CaptioningSolverTransformer(object):
    def __init__(self, model, data, idx_to_word, **kwargs):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device)
        self.data = data

        # Unpack keyword arguments
        self.learning_rate = kwargs.pop("learning_rate", 0.001)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)

        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.optim = torch.optim.Adam(self.model.parameters(), self.learning_rate)

        # Throw an error if there are extra keyword arguments
        if len(kwargs) > 0:
            extra = ", ".join('"%s"' % k for k in list(kwargs.keys()))
            raise ValueError("Unrecognized arguments %s" % extra)

        self._reset()

        self.idx_to_word = idx_to_word

    def _reset(self):
        self.epoch = 0
        self.loss_history = []

    def _step(self):
        # Make a minibatch of training data
        minibatch = sample_coco_minibatch(self.data, batch_size=self.batch_size, split="train")
        captions, features, urls = minibatch

        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]

        mask = captions_out != self.model._null

        t_features = torch.Tensor(features).to(self.device)
        t_captions_in = torch.LongTensor(captions_in).to(self.device)
        t_captions_out = torch.LongTensor(captions_out).to(self.device)
        t_mask = torch.LongTensor(mask).to(self.device)
        logits = self.model(t_features, t_captions_in)

        loss = self.transformer_temporal_softmax_loss(logits, t_captions_out, t_mask)
        self.loss_history.append(loss.detach().cpu().numpy())
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()

    def train(self):
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            # Maybe print training loss
            if self.verbose and t % self.print_every == 0:
                print("(Iteration %d / %d) loss: %f" % (t + 1, num_iterations, self.loss_history[-1]))

    def transformer_temporal_softmax_loss(self, x, y, mask):
        N, T, V = x.shape

        x_flat = x.reshape(N * T, V)
        y_flat = y.reshape(N * T)
        mask_flat = mask.reshape(N * T)

        loss = torch.nn.functional.cross_entropy(x_flat, y_flat, reduction='none')
        loss = torch.mul(loss, mask_flat)
        loss = torch.mean(loss)

        return loss


torch.manual_seed(231)
np.random.seed(231)

transformer = CaptioningTransformer(
    word_to_idx=word_to_idx,
    input_dim=D,
    wordvec_dim=32,
    num_heads=2,
    num_layers=2,
    max_length=30
)

transformer_solver = CaptioningSolverTransformer(transformer, data, idx_to_word,
    num_epochs=150,
    batch_size=12,
    learning_rate=0.005,
    verbose=True, print_every=30,
)

transformer_solver.train()

print('Final loss: ', transformer_solver.loss_history[-1])

transformer.eval()
sample_captions = transformer.sample(data["train_features"][:4], max_length=T)
sample_captions = decode_captions(sample_captions, idx_to_word)
gt_captions = decode_captions(data["train_captions"][:4, 1:], idx_to_word)
for gt_caption, sample_caption in zip(gt_captions, sample_captions):
    print("GT:", gt_caption)
    print("Sample:", sample_caption)
captions_match = sum(g == s for g, s in zip(gt_captions, sample_captions))
print("captions matching the ground truth:", captions_match)


# Vision Transformer (the 2025 edition): a forward pass and one training step on a batch of small images
class VisionTransformer(nn.Module):
    def __init__(self, img_size=32, patch_size=8, in_channels=3,
                 embed_dim=128, num_layers=6, num_heads=4,
                 dim_feedforward=256, num_classes=10, dropout=0.1):
        super().__init__()
        self.num_classes = num_classes
        self.patch_embed = PatchEmbedding(img_size, patch_size, in_channels, embed_dim)
        self.positional_encoding = PositionalEncoding(embed_dim, dropout=dropout)

        encoder_layer = TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout)
        self.transformer = TransformerEncoder(encoder_layer, num_layers=num_layers)

        # Final classification layer to predict class scores from pooled token.
        self.head = nn.Linear(embed_dim, num_classes)

        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, x):
        N = x.size(0)
        logits = torch.zeros(N, self.num_classes, device=x.device)
        patches = self.positional_encoding(self.patch_embed(x))
        logits = self.head(torch.mean(self.transformer(patches), dim=1))
        return logits


torch.manual_seed(231)
vit = VisionTransformer(img_size=8, patch_size=4, embed_dim=16, num_layers=2, num_heads=2, dim_feedforward=32)
images = torch.randn(6, 3, 8, 8)
labels = torch.tensor([0, 1, 2, 3, 4, 5])
optimizer = torch.optim.Adam(vit.parameters(), lr=1e-3)
for step in range(3):
    loss = F.cross_entropy(vit(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print("ViT step %d loss %.5f" % (step, loss.item()))
print("ViT logits:", vit(images)[:2])
'''

GANS = r'''
import numpy as np

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import sampler

NOISE_DIM = 96

dtype = torch.cuda.FloatTensor if torch.cuda.is_available() else torch.FloatTensor


def sample_noise(batch_size, dim, seed=None):
    """
    Generate a PyTorch Tensor of uniform random noise in the range (-1, 1), of shape (batch_size, dim).
    """
    if seed is not None:
        torch.manual_seed(seed)

    return 2 * torch.rand(batch_size, dim) - 1


class Flatten(nn.Module):
    def forward(self, x):
        N, C, H, W = x.size() # read in N, C, H, W
        return x.view(N, -1)  # "flatten" the C * H * W values into a single vector per image


class Unflatten(nn.Module):
    """
    An Unflatten module receives an input of shape (N, C*H*W) and reshapes it
    to produce an output of shape (N, C, H, W).
    """
    def __init__(self, N=-1, C=128, H=7, W=7):
        super(Unflatten, self).__init__()
        self.N = N
        self.C = C
        self.H = H
        self.W = W
    def forward(self, x):
        return x.view(self.N, self.C, self.H, self.W)


def initialize_weights(m):
    if isinstance(m, nn.Linear) or isinstance(m, nn.ConvTranspose2d):
        nn.init.xavier_uniform_(m.weight.data)


def preprocess_img(x):
    return 2 * x - 1.0

def deprocess_img(x):
    return (x + 1.0) / 2.0

def rel_error(x,y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))

def count_params(model):
    """Count the number of parameters in the model. """
    param_count = np.sum([np.prod(p.size()) for p in model.parameters()])
    return param_count


class ChunkSampler(sampler.Sampler):
    """Samples elements sequentially from some offset.
    Arguments:
        num_samples: # of desired datapoints
        start: offset where we should start selecting from
    """
    def __init__(self, num_samples, start=0):
        self.num_samples = num_samples
        self.start = start

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self):
        return self.num_samples


def discriminator(seed=None):
    if seed is not None:
        torch.manual_seed(seed)

    model = None
    model = nn.Sequential(
        Flatten(),
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1),
    )
    return model


def generator(noise_dim=NOISE_DIM, seed=None):
    if seed is not None:
        torch.manual_seed(seed)

    model = None
    model = nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),
    )
    return model


def bce_loss(input, target):
    """
    Numerically stable version of the binary cross-entropy loss function in PyTorch.
    """
    return nn.functional.binary_cross_entropy_with_logits(input.squeeze(), target)


def discriminator_loss(logits_real, logits_fake):
    loss = None
    N = logits_real.size(0)
    true_labels = torch.ones(N).type(dtype)
    loss = bce_loss(logits_real, true_labels) + bce_loss(logits_fake, 1 - true_labels)
    return loss


def generator_loss(logits_fake):
    loss = None
    N = logits_fake.size(0)
    loss = bce_loss(logits_fake, torch.ones(N).type(dtype))
    return loss


def get_optimizer(model):
    optimizer = None
    optimizer = optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    return optimizer


def ls_discriminator_loss(scores_real, scores_fake):
    loss = None
    loss = 0.5 * torch.mean((scores_real - 1) ** 2) + 0.5 * torch.mean(scores_fake ** 2)
    return loss


def ls_generator_loss(scores_fake):
    loss = None
    loss = 0.5 * torch.mean((scores_fake - 1) ** 2)
    return loss


def build_dc_classifier(batch_size):
    return nn.Sequential(
        Unflatten(batch_size, 1, 28, 28),
        nn.Conv2d(1, 32, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(32, 64, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        Flatten(),
        nn.Linear(4 * 4 * 64, 4 * 4 * 64),
        nn.LeakyReLU(0.01),
        nn.Linear(4 * 4 * 64, 1),
    )


def build_dc_generator(noise_dim=NOISE_DIM):
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128),
        nn.ReLU(),
        nn.BatchNorm1d(7 * 7 * 128),
        Unflatten(),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),
        nn.Tanh(),
        Flatten(),
    )


def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train, show_every=250,
              batch_size=128, noise_size=96, num_epochs=10):
    images = []
    iter_count = 0
    for epoch in range(num_epochs):
        for x, _ in loader_train:
            if len(x) != batch_size:
                continue
            D_solver.zero_grad()
            real_data = x.type(dtype)
            logits_real = D(2* (real_data - 0.5)).type(dtype)

            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed).detach()
            logits_fake = D(fake_images.view(batch_size, 1, 28, 28))

            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed)

            gen_logits_fake = D(fake_images.view(batch_size, 1, 28, 28))
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            if (iter_count % show_every == 0):
                print('Iter: {}, D: {:.4}, G:{:.4}'.format(iter_count,d_total_error.item(),g_error.item()))
                # a computed tensor's .data is its NumPy array here (docs/coming-from-pytorch.md, "What differs")
                imgs_numpy = fake_images.detach().cpu().numpy()
                images.append(imgs_numpy[0:16])

            iter_count += 1

    return images


# MNIST's stand-in: 28 x 28 images in [0, 1] (ToTensor's range), a blob at a random place each
class StandInMNIST(torch.utils.data.Dataset):
    def __init__(self, size, seed):
        rng = np.random.RandomState(seed)
        rows, cols = np.mgrid[0:28, 0:28]
        centres = rng.randint(8, 20, size=(size, 2))
        blobs = np.exp(-((rows - centres[:, :1, None]) ** 2 + (cols - centres[:, 1:, None]) ** 2) / 18.0)
        self.data = blobs[:, None].astype(np.float32)
        self.targets = rng.randint(0, 10, size=size)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return torch.from_numpy(self.data[index]), int(self.targets[index])


NUM_TRAIN = 32
NUM_VAL = 16
batch_size = 8

mnist_train = StandInMNIST(NUM_TRAIN + NUM_VAL, seed=0)
loader_train = torch.utils.data.DataLoader(mnist_train, batch_size=batch_size,
                                           sampler=ChunkSampler(NUM_TRAIN, 0))
imgs = next(iter(loader_train))[0].view(batch_size, 784).numpy().squeeze()
print("a batch of images:", imgs.shape, float(imgs.max()), float(imgs.min()))

# The notebook's checks
def test_sample_noise():
    batch_size = 3
    dim = 4
    torch.manual_seed(231)
    z = sample_noise(batch_size, dim)
    np_z = z.cpu().numpy()
    assert np_z.shape == (batch_size, dim)
    assert torch.is_tensor(z)
    assert np.all(np_z >= -1.0) and np.all(np_z <= 1.0)
    assert np.any(np_z < 0.0) and np.any(np_z > 0.0)
    print('All tests passed!')

test_sample_noise()


def test_discriminator(true_count=267009):
    model = discriminator()
    cur_count = count_params(model)
    if cur_count != true_count:
        print('Incorrect number of parameters in discriminator. Check your achitecture.')
    else:
        print('Correct number of parameters in discriminator.')

test_discriminator()


def test_generator(true_count=1858320):
    model = generator(4)
    cur_count = count_params(model)
    if cur_count != true_count:
        print('Incorrect number of parameters in generator. Check your achitecture.')
    else:
        print('Correct number of parameters in generator.')

test_generator()

logits_real = torch.tensor([-1.5, 0.3, 2.1, -0.2]).view(-1, 1)
logits_fake = torch.tensor([0.7, -2.4, 0.1, 1.3]).view(-1, 1)
print("discriminator_loss", discriminator_loss(logits_real, logits_fake).item())
print("generator_loss", generator_loss(logits_fake).item())
print("ls_discriminator_loss", ls_discriminator_loss(logits_real, logits_fake).item())
print("ls_generator_loss", ls_generator_loss(logits_fake).item())

# The course's answers (gan-checks.npz), written here from random logits and the losses' formulas in NumPy
rng = np.random.RandomState(231)
checks_real, checks_fake = rng.randn(64, 1), rng.randn(64, 1)


def np_bce(scores, target):
    return np.mean(np.maximum(scores, 0) - scores * target + np.log1p(np.exp(-np.abs(scores))))


np.savez("gan-checks.npz", logits_real=checks_real, logits_fake=checks_fake,
         d_loss_true=np_bce(checks_real, 1) + np_bce(checks_fake, 0), g_loss_true=np_bce(checks_fake, 1),
         d_loss_lsgan_true=0.5 * np.mean((checks_real - 1) ** 2) + 0.5 * np.mean(checks_fake ** 2),
         g_loss_lsgan_true=0.5 * np.mean((checks_fake - 1) ** 2))
answers = dict(np.load('gan-checks.npz'))


def test_discriminator_loss(logits_real, logits_fake, d_loss_true):
    d_loss = discriminator_loss(torch.Tensor(logits_real).type(dtype),
                                torch.Tensor(logits_fake).type(dtype)).cpu()
    print("Maximum error in d_loss: %g"%rel_error(d_loss_true, d_loss.numpy()))

test_discriminator_loss(answers['logits_real'], answers['logits_fake'],
                        answers['d_loss_true'])


def test_generator_loss(logits_fake, g_loss_true):
    g_loss = generator_loss(torch.Tensor(logits_fake).type(dtype)).cpu()
    print("Maximum error in g_loss: %g"%rel_error(g_loss_true, g_loss.numpy()))

test_generator_loss(answers['logits_fake'], answers['g_loss_true'])


def test_lsgan_loss(score_real, score_fake, d_loss_true, g_loss_true):
    score_real = torch.Tensor(score_real).type(dtype)
    score_fake = torch.Tensor(score_fake).type(dtype)
    d_loss = ls_discriminator_loss(score_real, score_fake).cpu().numpy()
    g_loss = ls_generator_loss(score_fake).cpu().numpy()
    print("Maximum error in d_loss: %g"%rel_error(d_loss_true, d_loss))
    print("Maximum error in g_loss: %g"%rel_error(g_loss_true, g_loss))

test_lsgan_loss(answers['logits_real'], answers['logits_fake'],
                answers['d_loss_lsgan_true'], answers['g_loss_lsgan_true'])


def bce_loss_with_module(input, target):
    """bce_loss as other students write it: nn.BCEWithLogitsLoss on both squeezed."""
    bce = nn.BCEWithLogitsLoss()
    return bce(input.squeeze(), target.squeeze())


print("BCEWithLogitsLoss module:", bce_loss_with_module(logits_fake, torch.ones_like(logits_fake)).item())


def show_images(images):
    images = np.reshape(images, [images.shape[0], -1])  # images reshape to (batch_size, D)
    sqrtn = int(np.ceil(np.sqrt(images.shape[0])))
    sqrtimg = int(np.ceil(np.sqrt(images.shape[1])))
    print("a grid of %d x %d images of %d x %d pixels" % (sqrtn, sqrtn, sqrtimg, sqrtimg))
    return images.reshape(-1, sqrtimg, sqrtimg)

# Make the discriminator
D = discriminator().type(dtype)

# Make the generator
G = generator().type(dtype)

# Use the function you wrote earlier to get optimizers for the Discriminator and the Generator
D_solver = get_optimizer(D)
G_solver = get_optimizer(G)
# Run it!
images = run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train,
                   show_every=2, batch_size=batch_size, num_epochs=1)
print("images", len(images), images[-1].shape, float(images[-1].mean()))
shown = show_images(images[-1])

D_LS = discriminator().type(dtype)
G_LS = generator().type(dtype)

D_LS_solver = get_optimizer(D_LS)
G_LS_solver = get_optimizer(G_LS)

images = run_a_gan(D_LS, G_LS, D_LS_solver, G_LS_solver, ls_discriminator_loss, ls_generator_loss, loader_train,
                   show_every=2, batch_size=batch_size, num_epochs=1)

data = next(enumerate(loader_train))[-1][0].type(dtype)
b = build_dc_classifier(batch_size).type(dtype)
out = b(data)
print(out.size())


def test_dc_classifer(true_count=1102721):
    model = build_dc_classifier(batch_size)
    cur_count = count_params(model)
    if cur_count != true_count:
        print('Incorrect number of parameters in classifier. Check your achitecture.')
    else:
        print('Correct number of parameters in classifier.')

test_dc_classifer()

test_g_gan = build_dc_generator().type(dtype)
test_g_gan.apply(initialize_weights)

fake_seed = torch.randn(batch_size, NOISE_DIM).type(dtype)
fake_images = test_g_gan.forward(fake_seed)
print(fake_images.size())


def test_dc_generator(true_count=6580801):
    model = build_dc_generator(4)
    cur_count = count_params(model)
    if cur_count != true_count:
        print('Incorrect number of parameters in generator. Check your achitecture.')
    else:
        print('Correct number of parameters in generator.')

test_dc_generator()

D_DC = build_dc_classifier(batch_size).type(dtype)
D_DC.apply(initialize_weights)
G_DC = build_dc_generator().type(dtype)
G_DC.apply(initialize_weights)

D_DC_solver = get_optimizer(D_DC)
G_DC_solver = get_optimizer(G_DC)

images = run_a_gan(D_DC, G_DC, D_DC_solver, G_DC_solver, discriminator_loss, generator_loss, loader_train,
                   show_every=2, batch_size=batch_size, num_epochs=1)
print("DC-GAN images", len(images), images[-1].shape, float(images[-1].mean()))
print("running mean of the last batch norm:", float(G_DC[9].running_mean.mean()), float(G_DC[9].running_var.mean()))
'''

SELF_SUPERVISED = r'''
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader


def sim(z_i, z_j):
    """Normalized dot product between two vectors.

    Inputs:
    - z_i: 1xD tensor.
    - z_j: 1xD tensor.

    Returns:
    - A scalar value that is the normalized dot product between z_i and z_j.
    """
    norm_dot_product = None
    norm_dot_product = torch.dot(z_i, z_j) / (torch.linalg.norm(z_i) * torch.linalg.norm(z_j))
    return norm_dot_product


def simclr_loss_naive(out_left, out_right, tau):
    """Compute the contrastive loss L over a batch (naive loop version)."""
    N = out_left.shape[0]  # total number of training examples

    # Concatenate out_left and out_right into a 2*N x D tensor.
    out = torch.cat([out_left, out_right], dim=0)  # [2*N, D]

    total_loss = 0
    for k in range(N):  # loop through each positive pair (k, k+N)
        z_k, z_k_N = out[k], out[k+N]

        # l(k, k+N) and l(k+N, k)
        denominator_k = sum(torch.exp(sim(z_k, out[i]) / tau) for i in range(2 * N) if i != k)
        denominator_k_N = sum(torch.exp(sim(z_k_N, out[i]) / tau) for i in range(2 * N) if i != k + N)
        numerator = torch.exp(sim(z_k, z_k_N) / tau)
        total_loss += -torch.log(numerator / denominator_k) - torch.log(numerator / denominator_k_N)

    # In the end, we need to divide the total loss by 2N, the number of samples in the batch.
    total_loss = total_loss / (2*N)
    return total_loss


def sim_positive_pairs(out_left, out_right):
    """Normalized dot product between positive pairs: a Nx1 tensor."""
    pos_pairs = None
    left_norm = torch.linalg.norm(out_left, dim=1, keepdim=True)
    right_norm = torch.linalg.norm(out_right, dim=1, keepdim=True)
    pos_pairs = torch.sum(out_left * out_right, dim=1, keepdim=True) / (left_norm * right_norm)
    return pos_pairs


def compute_sim_matrix(out):
    """Compute a 2N x 2N matrix of normalized dot products between all pairs of augmented examples in a batch."""
    sim_matrix = None
    out_normalized = out / torch.linalg.norm(out, dim=1, keepdim=True)
    sim_matrix = torch.mm(out_normalized, out_normalized.T)
    return sim_matrix


def simclr_loss_vectorized(out_left, out_right, tau, device='cuda'):
    """Compute the contrastive loss L over a batch (vectorized version). No loops are allowed."""
    N = out_left.shape[0]

    # Concatenate out_left and out_right into a 2*N x D tensor.
    out = torch.cat([out_left, out_right], dim=0)  # [2*N, D]

    # Compute similarity matrix between all pairs of augmented examples in the batch.
    sim_matrix = compute_sim_matrix(out)  # [2*N, 2*N]

    # Step 1: Use sim_matrix to compute the denominator value for all augmented samples.
    exponential = torch.exp(sim_matrix / tau)

    # This binary mask zeros out terms where k=i.
    mask = (torch.ones_like(exponential, device=device) - torch.eye(2 * N, device=device)).to(device).bool()

    # We apply the binary mask.
    exponential = exponential.masked_select(mask).view(2 * N, -1)  # [2*N, 2*N-1]

    # Hint: Compute the denominator values for all augmented samples. This should be a 2N x 1 vector.
    denom = torch.sum(exponential, dim=1, keepdim=True)

    # Step 2: Compute similarity between positive pairs.
    sim_pairs = sim_positive_pairs(out_left, out_right)
    sim_pairs = torch.cat([sim_pairs, sim_pairs], dim=0)

    # Step 3: Compute the numerator value for all augmented samples.
    numerator = None
    numerator = torch.exp(sim_pairs / tau)

    # Step 4: Now that you have the numerator and denominator for all augmented samples, compute the total loss.
    loss = None
    loss = torch.sum(-torch.log(numerator / denom)) / (2 * N)

    return loss


def rel_error(x,y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


device = 'cuda' if torch.cuda.is_available() else 'cpu'

# The notebook's checks: the course's answers are a torch.save'd dict of tensors (written here from random
# projections, then loaded as the notebook loads its simclr_sanity_check.key)
torch.manual_seed(231)
N, D, tau = 4, 8, 0.5
left, right = torch.randn(N, D), torch.randn(N, D)
key = {"left": left, "right": right, "temperature": tau,
       "sim": torch.tensor([sim(left[i], right[i]).item() for i in range(N)]),
       "loss": simclr_loss_naive(left, right, tau)}
torch.save(key, "simclr_sanity_check.key")
answers = torch.load("simclr_sanity_check.key")


def test_sim(left_vec, right_vec, correct):
    sim_pair = sim(left_vec, right_vec).item()
    print("Sim pair: ", sim_pair)
    assert rel_error(correct, sim_pair) <= 1e-6, "Try again."


for i in range(len(answers["left"])):
    test_sim(answers["left"][i], answers["right"][i], answers["sim"][i].item())


def test_loss_naive(left, right, tau, correct):
    naive_loss = simclr_loss_naive(left, right, tau).item()
    print("Naive loss: ", naive_loss)
    assert rel_error(correct, naive_loss) <= 1e-6, "Try again."


test_loss_naive(answers["left"], answers["right"], answers["temperature"], answers["loss"].item())


def test_sim_positive_pairs(left, right, correct):
    sim_pair = sim_positive_pairs(left, right).cpu()
    assert torch.allclose(sim_pair, correct), "Try again."
    print("sim_positive_pairs:", sim_pair)


test_sim_positive_pairs(answers["left"], answers["right"], answers["sim"].view(-1, 1))


def test_sim_matrix(left, right, correct):
    out = torch.cat([left, right], dim=0)
    sim_matrix = compute_sim_matrix(out).cpu()
    # the positive pairs are the diagonal of the upper-right block
    assert torch.allclose(torch.diagonal(sim_matrix, offset=left.shape[0]), correct), "Try again."
    print("compute_sim_matrix:", sim_matrix)


test_sim_matrix(answers["left"], answers["right"], answers["sim"])


def test_loss_vectorized(left, right, tau, correct):
    vec_loss = simclr_loss_vectorized(left, right, tau, device).item()
    print("Vectorized loss: ", vec_loss)
    assert rel_error(correct, vec_loss) <= 1e-6, "Try again."


test_loss_vectorized(answers["left"], answers["right"], answers["temperature"], answers["loss"].item())
loss_naive = simclr_loss_naive(left, right, tau)
loss_vectorized = simclr_loss_vectorized(left, right, tau, device)
print("Difference between the two losses:", rel_error(loss_naive.numpy(), loss_vectorized.numpy()) < 1e-5)


def compute_train_transform(seed=123456):
    """The augmentations, as tensor code on a (3, H, W) image in [0, 1]: a random crop resized back (here a
    random shift with wrap-around), a horizontal flip with probability 0.5, a colour jitter with probability 0.8
    (here a random brightness and contrast), greyscale with probability 0.2; then the normalisation."""
    random.seed(seed)
    torch.random.manual_seed(seed)
    mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(3, 1, 1)
    std = torch.tensor([0.2023, 0.1994, 0.2010]).view(3, 1, 1)

    def train_transform(img):
        shift = torch.randint(-2, 3, (2,))
        img = torch.roll(img, shifts=(int(shift[0]), int(shift[1])), dims=(1, 2))
        if torch.rand(1) < 0.5:
            img = torch.flip(img, dims=[2])
        if torch.rand(1) < 0.8:
            brightness, contrast = 0.6 + 0.8 * torch.rand(2)
            img = ((img * brightness - img.mean()) * contrast + img.mean()).clamp(0, 1)
        if torch.rand(1) < 0.2:
            img = (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]).expand(3, -1, -1)
        return (img - mean) / std
    return train_transform


class CIFAR10Pair(torch.utils.data.Dataset):
    """CIFAR-10's stand-in: 3 x 8 x 8 images in [0, 1]; each item two augmentations of one image and its label."""

    def __init__(self, transform, size=32):
        rng = np.random.RandomState(0)
        self.data = rng.rand(size, 3, 8, 8).astype(np.float32)
        self.targets = rng.randint(0, 10, size=size).tolist()
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = torch.from_numpy(self.data[index]), self.targets[index]

        x_i = None
        x_j = None

        if self.transform is not None:
            x_i = self.transform(img)
            x_j = self.transform(img)

        return x_i, x_j, target


class Model(nn.Module):
    """SimCLR's model, smaller: an encoder f (its ResNet-50 here three convolutions with batch norm, and average
    pooling) and a projection head g."""

    def __init__(self, feature_dim=16):
        super(Model, self).__init__()

        self.f = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1, bias=False), nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)))
        # projection head
        self.g = nn.Sequential(nn.Linear(32, 24, bias=False), nn.BatchNorm1d(24),
                               nn.ReLU(inplace=True), nn.Linear(24, feature_dim, bias=True))

    def forward(self, x):
        x = self.f(x)
        feature = torch.flatten(x, start_dim=1)
        out = self.g(feature)
        return F.normalize(feature, dim=-1), F.normalize(out, dim=-1)


def train(model, data_loader, train_optimizer, epoch, epochs, batch_size=32, temperature=0.5, device='cuda'):
    """Trains the model with one epoch; the average loss."""
    model.train()
    total_loss, total_num, train_bar = 0.0, 0, data_loader
    for data_pair in train_bar:
        x_i, x_j, target = data_pair
        x_i, x_j = x_i.to(device), x_j.to(device)

        out_left, out_right, loss = None, None, None
        _, out_left = model(x_i)
        _, out_right = model(x_j)
        loss = simclr_loss_vectorized(out_left, out_right, temperature, device)

        train_optimizer.zero_grad()
        loss.backward()
        train_optimizer.step()

        total_num += batch_size
        total_loss += loss.item() * batch_size
        print('Train Epoch: [{}/{}] Loss: {:.4f}'.format(epoch, epochs, total_loss / total_num))

    return total_loss / total_num


feature_dim = 16
temperature = 0.5
epochs = 2
batch_size = 8

train_transform = compute_train_transform()
train_data = CIFAR10Pair(transform=train_transform)
train_loader = DataLoader(train_data, batch_size=batch_size, shuffle=True, drop_last=True)

model = Model(feature_dim).to(device)
optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-6)
losses = []
for epoch in range(1, epochs + 1):
    train_loss = train(model, train_loader, optimizer, epoch, epochs, batch_size=batch_size,
                       temperature=temperature, device=device)
    losses.append(train_loss)
print("losses per epoch:", losses)

# The features: unit vectors, as the linear classifier and the k-nearest-neighbour test read them
model.eval()
with torch.no_grad():
    feature, out = model(torch.stack([train_data[i][0] for i in range(4)]))
print("feature norms:", torch.linalg.norm(feature, dim=1))
print("projection:", out[:2])


# The students' other spellings of the same functions (each must give the same numbers)
def sim_matmul(z_i, z_j):
    dot_product = z_i @ z_j
    norm_z_i = torch.linalg.norm(z_i)
    norm_z_j = torch.linalg.norm(z_j, dim=-1)
    return dot_product / (norm_z_i * norm_z_j)


def sim_positive_pairs_diag(out_left, out_right):
    left_norm = torch.linalg.norm(out_left, dim=-1, keepdim=True)
    right_norm = torch.linalg.norm(out_right, dim=-1, keepdim=True)
    pos_matrix = out_left @ out_right.T / (left_norm @ right_norm.T)
    return torch.diag(pos_matrix).view(-1, 1)


def compute_sim_matrix_cosine(out):
    return F.cosine_similarity(out.unsqueeze(1), out.unsqueeze(0), dim=-1)


torch.manual_seed(231)
out_left, out_right = torch.randn(4, 8), torch.randn(4, 8)
out = torch.cat([out_left, out_right], dim=0)
print("sim against every row:", sim_matmul(out[0], out.T))
print("positive pairs from the diagonal:", sim_positive_pairs_diag(out_left, out_right))
print("the cosine similarity matrix:", compute_sim_matrix_cosine(out))


# Linear evaluation: a classifier on the frozen encoder, and the k-nearest-neighbour test of the features
class Classifier(nn.Module):
    def __init__(self, num_class):
        super(Classifier, self).__init__()

        # Encoder.
        self.f = Model().f

        # Classifier.
        self.fc = nn.Linear(32, num_class, bias=True)

    def forward(self, x):
        x = self.f(x)
        feature = torch.flatten(x, start_dim=1)
        out = self.fc(feature)
        return out


def train_val(model, data_loader, train_optimizer, epoch, epochs, device='cuda'):
    is_train = train_optimizer is not None
    model.train() if is_train else model.eval()
    loss_criterion = torch.nn.CrossEntropyLoss()

    total_loss, total_correct_1, total_correct_5, total_num, data_bar = 0.0, 0.0, 0.0, 0, data_loader
    with (torch.enable_grad() if is_train else torch.no_grad()):
        for data, target in data_bar:
            data, target = data.to(device), target.to(device)
            out = model(data)
            loss = loss_criterion(out, target)

            if is_train:
                train_optimizer.zero_grad()
                loss.backward()
                train_optimizer.step()

            total_num += data.size(0)
            total_loss += loss.item() * data.size(0)
            prediction = torch.argsort(out, dim=-1, descending=True)
            total_correct_1 += torch.sum((prediction[:, 0:1] == target.unsqueeze(dim=-1)).any(dim=-1).float()).item()
            total_correct_5 += torch.sum((prediction[:, 0:5] == target.unsqueeze(dim=-1)).any(dim=-1).float()).item()

            print('{} Epoch: [{}/{}] Loss: {:.4f} ACC@1: {:.2f}% ACC@5: {:.2f}%'
                  .format('Train' if is_train else 'Test', epoch, epochs, total_loss / total_num,
                          total_correct_1 / total_num * 100, total_correct_5 / total_num * 100))

    return total_loss / total_num, total_correct_1 / total_num * 100, total_correct_5 / total_num * 100


def test(model, memory_data_loader, test_data_loader, epoch, epochs, c, temperature=0.5, k=200, device='cuda'):
    model.eval()
    total_top1, total_top5, total_num, feature_bank = 0.0, 0.0, 0, []
    with torch.no_grad():
        # generate feature bank
        for data, _, target in memory_data_loader:
            feature, out = model(data.to(device))
            feature_bank.append(feature)
        # [D, N]
        feature_bank = torch.cat(feature_bank, dim=0).t().contiguous()
        # [N]
        feature_labels = torch.tensor(memory_data_loader.dataset.targets, device=feature_bank.device)
        # loop test data to predict the label by weighted knn search
        test_bar = test_data_loader
        for data, _, target in test_bar:
            data, target = data.to(device), target.to(device)
            feature, out = model(data)

            total_num += data.size(0)
            # compute cos similarity between each feature vector and feature bank ---> [B, N]
            sim_matrix = torch.mm(feature, feature_bank)

            # [B, K]
            sim_weight, sim_indices = sim_matrix.topk(k=k, dim=-1)
            # [B, K]
            sim_labels = torch.gather(feature_labels.expand(data.size(0), -1), dim=-1, index=sim_indices)
            sim_weight = (sim_weight / temperature).exp()

            # counts for each class
            one_hot_label = torch.zeros(data.size(0) * k, c, device=device)
            # [B*K, C]
            one_hot_label = one_hot_label.scatter(dim=-1, index=sim_labels.view(-1, 1), value=1.0)
            # weighted score ---> [B, C]
            pred_scores = torch.sum(one_hot_label.view(data.size(0), -1, c) * sim_weight.unsqueeze(dim=-1), dim=1)

            pred_labels = pred_scores.argsort(dim=-1, descending=True)
            total_top1 += torch.sum((pred_labels[:, :1] == target.unsqueeze(dim=-1)).any(dim=-1).float()).item()
            total_top5 += torch.sum((pred_labels[:, :5] == target.unsqueeze(dim=-1)).any(dim=-1).float()).item()
            print('Test Epoch: [{}/{}] Acc@1:{:.2f}% Acc@5:{:.2f}%'
                  .format(epoch, epochs, total_top1 / total_num * 100, total_top5 / total_num * 100))

    return total_top1 / total_num * 100, total_top5 / total_num * 100


memory_loader = DataLoader(train_data, batch_size=batch_size, shuffle=False)
test_loader = DataLoader(CIFAR10Pair(transform=train_transform, size=16), batch_size=batch_size, shuffle=False)
print("kNN accuracy:", test(model, memory_loader, test_loader, 1, 1, c=10, k=5, device=device))


class LabelledImages(torch.utils.data.Dataset):
    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, index):
        x_i, _, target = self.pairs[index]
        return x_i, target


classifier = Classifier(num_class=10).to(device)
classifier.f.load_state_dict(model.f.state_dict())
for param in classifier.f.parameters():
    param.requires_grad = False
classifier_optimizer = optim.Adam(classifier.fc.parameters(), lr=1e-3, weight_decay=1e-6)
labelled_loader = DataLoader(LabelledImages(train_data), batch_size=batch_size, shuffle=False)
for epoch in range(1, 3):
    train_loss, train_acc_1, train_acc_5 = train_val(classifier, labelled_loader, classifier_optimizer, epoch, 2,
                                                     device=device)
    test_loss, test_acc_1, test_acc_5 = train_val(classifier, labelled_loader, None, epoch, 2, device=device)
'''

NETWORK_VISUALIZATION = r'''
import random

import numpy as np
import torch
import torch.nn as nn
from scipy.ndimage import gaussian_filter1d

SQUEEZENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
SQUEEZENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

dtype = torch.FloatTensor
# Uncomment out the following line if you're on a machine with a GPU set up for PyTorch!
# dtype = torch.cuda.FloatTensor


def compute_saliency_maps(X, y, model):
    """
    Compute a class saliency map using the model for images X and labels y.

    Input:
    - X: Input images; Tensor of shape (N, 3, H, W)
    - y: Labels for X; LongTensor of shape (N,)
    - model: A pretrained CNN that will be used to compute the saliency map.

    Returns:
    - saliency: A Tensor of shape (N, H, W) giving the saliency maps for the input images.
    """
    # Make sure the model is in "test" mode
    model.eval()

    # Make input tensor require gradient
    X.requires_grad_()

    saliency = None
    scores = model(X)
    correct_scores = scores.gather(1, y.view(-1, 1)).squeeze()
    correct_scores.sum().backward()
    saliency, _ = torch.max(X.grad.data.abs(), dim=1)
    return saliency


def make_fooling_image(X, target_y, model):
    """
    Generate a fooling image that is close to X, but that the model classifies as target_y.
    """
    # Initialize our fooling image to the input image, and make it require gradient
    X_fooling = X.clone()
    X_fooling = X_fooling.requires_grad_()

    learning_rate = 1
    for iteration in range(100):
        scores = model(X_fooling)
        if scores.data.argmax() == target_y:
            break
        target_score = scores[0, target_y]
        target_score.backward()
        g = X_fooling.grad.data
        dX = learning_rate * g / g.norm()
        X_fooling.data += dX
        X_fooling.grad.zero_()
    print("Fooled after %d iterations" % iteration)
    return X_fooling


def class_visualization_update_step(img, model, target_y, l2_reg, learning_rate):
    score = model(img)[0, target_y] - l2_reg * torch.sum(img * img)
    score.backward()
    g = img.grad.data
    img.data += learning_rate * g / g.norm()
    img.grad.zero_()


def blur_image(X, sigma=1):
    X_np = X.cpu().clone().numpy()
    X_np = gaussian_filter1d(X_np, sigma, axis=2)
    X_np = gaussian_filter1d(X_np, sigma, axis=3)
    X.copy_(torch.Tensor(X_np).type_as(X))
    return X


def jitter(X, ox, oy):
    """
    Helper function to randomly jitter an image.

    Inputs
    - X: PyTorch Tensor of shape (N, C, H, W)
    - ox, oy: Integers giving number of pixels to jitter along W and H axes

    Returns: A new PyTorch Tensor of shape (N, C, H, W)
    """
    if ox != 0:
        left = X[:, :, :, :-ox]
        right = X[:, :, :, -ox:]
        X = torch.cat([right, left], dim=3)
    if oy != 0:
        top = X[:, :, :-oy]
        bottom = X[:, :, -oy:]
        X = torch.cat([bottom, top], dim=2)
    return X


def create_class_visualization(target_y, class_names, model, dtype, **kwargs):
    """
    Generate an image to maximize the score of target_y under a pretrained model.
    """
    model.type(dtype)
    l2_reg = kwargs.pop('l2_reg', 1e-3)
    learning_rate = kwargs.pop('learning_rate', 25)
    num_iterations = kwargs.pop('num_iterations', 100)
    blur_every = kwargs.pop('blur_every', 10)
    max_jitter = kwargs.pop('max_jitter', 16)
    show_every = kwargs.pop('show_every', 25)
    size = kwargs.pop('size', 224)

    # Randomly initialize the image as a PyTorch Tensor, and make it requires gradient.
    img = torch.randn(1, 3, size, size).mul_(1.0).type(dtype).requires_grad_()

    for t in range(num_iterations):
        # Randomly jitter the image a bit; this gives slightly nicer results
        ox, oy = random.randint(0, max_jitter), random.randint(0, max_jitter)
        img.data.copy_(jitter(img.data, ox, oy))
        class_visualization_update_step(img, model, target_y, l2_reg, learning_rate)
        # Undo the random jitter
        img.data.copy_(jitter(img.data, -ox, -oy))

        # As regularizer, clamp and periodically blur the image
        for c in range(3):
            lo = float(-SQUEEZENET_MEAN[c] / SQUEEZENET_STD[c])
            hi = float((1.0 - SQUEEZENET_MEAN[c]) / SQUEEZENET_STD[c])
            img.data[:, c].clamp_(min=lo, max=hi)
        if t % blur_every == 0:
            blur_image(img.data, sigma=0.5)

        # Periodically show the image
        if t == 0 or (t + 1) % show_every == 0 or t == num_iterations - 1:
            print('%s Iteration %d / %d, score %.4f' % (class_names[target_y], t + 1, num_iterations,
                                                        model(img.data)[0, target_y].item()))
    return img.data


# SqueezeNet's stand-in: a small convolutional classifier of five classes, its weights frozen as the notebook's
class_names = {0: "tench", 1: "goldfish", 2: "great white shark", 3: "tiger shark", 4: "hammerhead"}
model = nn.Sequential(
    nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(inplace=True),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Conv2d(8, 5, kernel_size=1),
    nn.ReLU(inplace=True),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten(),
)
# We don't want to train the model, so tell PyTorch not to compute gradients with respect to model parameters.
for param in model.parameters():
    param.requires_grad = False

# ImageNet's stand-in: five preprocessed 3 x 16 x 16 images and their labels
rng = np.random.RandomState(0)
X = rng.randn(5, 3, 16, 16).astype(np.float32)
y = np.array([0, 1, 2, 3, 4])


def show_saliency_maps(X, y):
    # Convert X and y from numpy arrays to Torch Tensors
    X_tensor = torch.cat([torch.from_numpy(x[None]) for x in X], dim=0)
    y_tensor = torch.LongTensor(y)

    # Compute saliency maps for images in X
    saliency = compute_saliency_maps(X_tensor, y_tensor, model)

    # Convert the saliency map from Torch Tensor to numpy array and show images and saliency maps together.
    saliency = saliency.numpy()
    print("saliency maps:", saliency.shape, saliency[0, :2, :4], saliency.sum(axis=(1, 2)))
    return saliency

saliency = show_saliency_maps(X, y)

idx = 0
target_y = 3

X_tensor = torch.cat([torch.from_numpy(x[None]) for x in X], dim=0)
X_fooling = make_fooling_image(X_tensor[idx:idx+1], target_y, model)

scores = model(X_fooling)
# a computed tensor's .data is its NumPy array here (docs/coming-from-pytorch.md, "What differs"): .detach()
assert target_y == scores.detach().max(1)[1][0].item(), 'The model is not fooled!'
X_fooling_np = X_fooling.data.clone().numpy()
difference = X_fooling_np[0] - X[idx]
print("fooling image's largest change:", float(np.abs(difference).max()), "scores:", scores)

target_y = 1 # goldfish
out = create_class_visualization(target_y, class_names, model, dtype, size=16, max_jitter=3, num_iterations=12,
                                 blur_every=5, show_every=4, learning_rate=5)
print("class visualization:", out[0, 0, :2, :4])
'''

TORCHVISION_HELPERS = r'''
import random

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

SQUEEZENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
SQUEEZENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def preprocess(img, size=224):
    transform = T.Compose([
        T.Resize(size),
        T.ToTensor(),
        T.Normalize(mean=SQUEEZENET_MEAN.tolist(),
                    std=SQUEEZENET_STD.tolist()),
        T.Lambda(lambda x: x[None]),
    ])
    return transform(img)


def rescale(x):
    low, high = x.min(), x.max()
    x_rescaled = (x - low) / (high - low)
    return x_rescaled


def deprocess(img, should_rescale=True):
    transform = T.Compose([
        T.Lambda(lambda x: x[0]),
        T.Normalize(mean=[0, 0, 0], std=(1.0 / SQUEEZENET_STD).tolist()),
        T.Normalize(mean=(-SQUEEZENET_MEAN).tolist(), std=[1, 1, 1]),
        T.Lambda(rescale) if should_rescale else T.Lambda(lambda x: x),
        T.ToPILImage(),
    ])
    return transform(img)


rng = np.random.RandomState(0)
img = Image.fromarray(rng.randint(0, 256, size=(20, 30, 3)).astype(np.uint8))
X = preprocess(img, size=16)
print(X.shape, X.dtype)
back = deprocess(X.clone())
# an image array where torchvision has a PIL image
print("deprocessed:", back.shape, back.dtype, int(back.min()), int(back.max()))
back = deprocess(X.clone(), should_rescale=False)
print(np.asarray(back)[0, :3])


def compute_train_transform(seed=123456):
    random.seed(seed)
    torch.random.manual_seed(seed)

    # Transformation that applies color jitter with brightness=0.4, contrast=0.4, saturation=0.4, and hue=0.1
    color_jitter = T.ColorJitter(0.4, 0.4, 0.4, 0.1)

    train_transform = T.Compose([
        # Step 1: Randomly resize and crop to 32x32.
        T.RandomResizedCrop(32),
        # Step 2: Horizontally flip the image with probability 0.5
        T.RandomHorizontalFlip(p=0.5),
        # Step 3: With a probability of 0.8, apply color jitter (you can use "color_jitter" defined above.
        T.RandomApply([color_jitter], p=0.8),
        # Step 4: With a probability of 0.2, convert the image to grayscale
        T.RandomGrayscale(p=0.2),
        T.ToTensor(),
        T.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])])
    return train_transform


def compute_test_transform():
    test_transform = T.Compose([
        T.ToTensor(),
        T.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])])
    return test_transform


class CIFAR10Pair(torch.utils.data.Dataset):
    """CIFAR10Pair over stand-in images (CIFAR10's uint8 (N, 32, 32, 3) data and its targets)."""

    def __init__(self, transform=None, target_transform=None):
        self.data = rng.randint(0, 256, size=(8, 32, 32, 3)).astype(np.uint8)
        self.targets = rng.randint(0, 10, size=8).tolist()
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], self.targets[index]
        img = Image.fromarray(img)

        x_i = None
        x_j = None

        if self.transform is not None:
            x_i = self.transform(img)
            x_j = self.transform(img)

        if self.target_transform is not None:
            target = self.target_transform(target)

        return x_i, x_j, target


train_data = CIFAR10Pair(transform=compute_train_transform())
train_loader = torch.utils.data.DataLoader(train_data, batch_size=4, shuffle=True, drop_last=True)
x_i, x_j, target = next(iter(train_loader))
print("augmented pairs:", x_i.shape, x_j.shape, target.shape, float((x_i - x_j).abs().max()))
print("test transform:", compute_test_transform()(Image.fromarray(train_data.data[0])).shape)


# Network_Visualization's own path through torchvision: ImageNet-like uint8 images, preprocess, a saliency map, a
# fooling image and its deprocessed picture, on the notebook's SqueezeNet (its random initialisation: the
# notebook's pretrained=True downloads torchvision's ImageNet weights)
import torchvision

model = torchvision.models.squeezenet1_1()
for param in model.parameters():
    param.requires_grad = False

X = rng.randint(0, 256, size=(3, 40, 40, 3)).astype(np.uint8)
y = np.array([0, 1, 2])
X_tensor = torch.cat([preprocess(Image.fromarray(x), size=32) for x in X], dim=0)
y_tensor = torch.LongTensor(y)
model.eval()
X_tensor.requires_grad_()
scores = model(X_tensor)
scores.gather(1, y_tensor.view(-1, 1)).squeeze().sum().backward()
saliency, _ = torch.max(X_tensor.grad.data.abs(), dim=1)
print("saliency:", saliency.shape, float(saliency.max()) > 0)

target_y = int(model(X_tensor[:1]).argsort(dim=1, descending=True)[0, 1])  # the runner-up class
X_fooling = X_tensor[:1].detach().clone().requires_grad_()
for iteration in range(200):
    scores = model(X_fooling)
    if scores.argmax().item() == target_y:
        break
    scores[0, target_y].backward()
    g = X_fooling.grad.data
    X_fooling.data += g / g.norm()
    X_fooling.grad.zero_()
print("fooled:", model(X_fooling).argmax().item() == target_y, "after", iteration)
X_fooling_np = deprocess(X_fooling.clone())
X_fooling_np = np.asarray(X_fooling_np).astype(np.uint8)
print("fooling picture:", X_fooling_np.shape, X_fooling_np.dtype)
'''

DDPM = r'''
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm


def exists(x):
    return x is not None


def default(val, d):
    if exists(val):
        return val
    return d() if callable(d) else d


def Upsample(dim, dim_out=None):
    """Upsample the image feature resolution a factor of 2."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear"),
        nn.Conv2d(dim, default(dim_out, dim), 3, padding=1),
    )


def Downsample(dim, dim_out=None):
    """Downsample the image feature resolution a factor of 2."""
    return nn.Conv2d(dim, default(dim_out, dim), kernel_size=2, stride=2)


class RMSNorm(nn.Module):
    """RMSNorm layer which is compute-efficient simplified variant of LayerNorm."""

    def __init__(self, dim):
        super().__init__()
        self.scale = dim**0.5
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))

    def forward(self, x):
        return F.normalize(x, dim=1) * self.g * self.scale


class SinusoidalPosEmb(nn.Module):
    """Sinusoidal position embedding for time steps."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        device = x.device
        half_dim = self.dim // 2
        emb = math.log(10000) / (half_dim - 1)
        emb = torch.exp(torch.arange(half_dim, device=device) * -emb)
        emb = x[:, None] * emb[None, :]
        emb = torch.cat((emb.sin(), emb.cos()), dim=-1)
        return emb


class Block(nn.Module):
    """A conv block with feature modulation."""

    def __init__(self, dim, dim_out):
        super().__init__()
        self.proj = nn.Conv2d(dim, dim_out, 3, padding=1)
        self.norm = RMSNorm(dim_out)
        self.act = nn.GELU()

    def forward(self, x, scale_shift=None):
        x = self.proj(x)
        x = self.norm(x)
        if exists(scale_shift):
            scale, shift = scale_shift
            x = x * (scale + 1) + shift
        x = self.act(x)
        return x


class ResnetBlock(nn.Module):
    """A ResNet-like block with context dependent feature modulation."""

    def __init__(self, dim, dim_out, context_dim):
        super().__init__()
        self.dim = dim
        self.dim_out = dim_out
        self.context_dim = context_dim

        self.mlp = (
            nn.Sequential(nn.GELU(), nn.Linear(context_dim, dim_out * 2))
            if exists(context_dim)
            else None
        )

        self.block1 = Block(dim, dim_out)
        self.block2 = Block(dim_out, dim_out)
        self.res_conv = nn.Conv2d(dim, dim_out, 1) if dim != dim_out else nn.Identity()
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, context=None):
        scale_shift = None
        if exists(self.mlp) and exists(context):
            context = self.mlp(context)
            context = context[:, :, None, None]  # einops' rearrange(context, "b c -> b c 1 1")
            scale_shift = context.chunk(2, dim=1)

        h = self.block1(x, scale_shift=scale_shift)
        h = self.dropout(h)
        h = self.block2(h)
        return h + self.res_conv(x)


class Unet(nn.Module):
    def __init__(self, dim, condition_dim, dim_mults=(1, 2, 4, 8), channels=3, uncond_prob=0.2):
        super().__init__()

        self.init_conv = nn.Conv2d(channels, dim, 3, padding=1)
        self.channels = channels

        dims = [dim] + [dim * m for m in dim_mults]
        in_out = list(zip(dims[:-1], dims[1:]))
        in_out_ups = [(b, a) for a, b in reversed(in_out)]

        # Encoding timestep as context
        context_dim = dim * 4
        self.time_mlp = nn.Sequential(
            SinusoidalPosEmb(dim),
            nn.Linear(dim, context_dim),
            nn.GELU(),
            nn.Linear(context_dim, context_dim),
        )

        # Encoding condition (i.e. text embedding) as context
        self.condition_dim = condition_dim
        self.condition_mlp = nn.Sequential(
            nn.Linear(condition_dim, context_dim),
            nn.GELU(),
            nn.Linear(context_dim, context_dim),
        )
        self.uncond_prob = uncond_prob

        self.downs = nn.ModuleList([])
        self.ups = nn.ModuleList([])
        for ind, (dim_in, dim_out) in enumerate(in_out):
            self.downs.append(nn.ModuleList([
                ResnetBlock(dim_in, dim_in, context_dim=context_dim),
                ResnetBlock(dim_in, dim_in, context_dim=context_dim),
                Downsample(dim_in, dim_out),
            ]))

        mid_dim = dims[-1]
        self.mid_block1 = ResnetBlock(mid_dim, mid_dim, context_dim=context_dim)
        self.mid_block2 = ResnetBlock(mid_dim, mid_dim, context_dim=context_dim)

        for ind, (dim_in, dim_out) in enumerate(in_out_ups):
            self.ups.append(nn.ModuleList([
                Upsample(dim_in, dim_out),
                ResnetBlock(dim_out * 2, dim_out, context_dim=context_dim),
                ResnetBlock(dim_out * 2, dim_out, context_dim=context_dim),
            ]))

        self.final_conv = nn.Conv2d(dim, channels, 1)

    def cfg_forward(self, x, time, model_kwargs={}):
        """Classifier-free guidance forward pass. model_kwargs should contain `cfg_scale`."""
        cfg_scale = model_kwargs.pop("cfg_scale")
        print("Classifier-free guidance scale:", cfg_scale)
        model_kwargs = copy.deepcopy(model_kwargs)

        conditional = self.forward(x, time, model_kwargs=model_kwargs)
        model_kwargs["text_emb"] = None
        unconditional = self.forward(x, time, model_kwargs=model_kwargs)
        x = (cfg_scale + 1) * conditional - cfg_scale * unconditional
        return x

    def forward(self, x, time, model_kwargs={}):
        if "cfg_scale" in model_kwargs:
            return self.cfg_forward(x, time, model_kwargs)

        # Embed time step
        context = self.time_mlp(time)

        # Embed condition and add to context
        cond_emb = model_kwargs["text_emb"]
        if cond_emb is None:
            cond_emb = torch.zeros(x.shape[0], self.condition_dim, device=x.device)
        if self.training:
            # Randomly drop condition
            mask = (torch.rand(cond_emb.shape[0]) > self.uncond_prob).float()
            mask = mask[:, None].to(cond_emb.device)  # B x 1
            cond_emb = cond_emb * mask
        context = context + self.condition_mlp(cond_emb)

        x = self.init_conv(x)
        features = []
        for resnet1, resnet2, downsample in self.downs:
            x = resnet1(x, context)
            features.append(x)
            x = resnet2(x, context)
            features.append(x)
            x = downsample(x)
        x = self.mid_block1(x, context)
        x = self.mid_block2(x, context)
        for upsample, resnet1, resnet2 in self.ups:
            x = upsample(x)
            x = resnet1(torch.cat((x, features.pop()), dim=1), context)
            x = resnet2(torch.cat((x, features.pop()), dim=1), context)

        x = self.final_conv(x)
        return x


def extract(a, t, x_shape):
    """The coefficients a[t] reshaped to (b, 1, 1, 1) to broadcast against a tensor of shape x_shape."""
    b, *_ = t.shape
    out = a.gather(-1, t)
    out = out.reshape(b, *((1,) * (len(x_shape) - 1)))
    return out


def linear_beta_schedule(timesteps):
    scale = 1000 / timesteps
    beta_start = scale * 0.0001
    beta_end = scale * 0.02
    return torch.linspace(beta_start, beta_end, timesteps, dtype=torch.float64)


def cosine_beta_schedule(timesteps, s=0.008):
    steps = timesteps + 1
    t = torch.linspace(0, timesteps, steps, dtype=torch.float64) / timesteps
    alphas_cumprod = torch.cos((t + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - (alphas_cumprod[1:] / alphas_cumprod[:-1])
    return torch.clip(betas, 0, 0.999)


def sigmoid_beta_schedule(timesteps, start=-3, end=3, tau=1, clamp_min=1e-5):
    steps = timesteps + 1
    t = torch.linspace(0, timesteps, steps, dtype=torch.float64) / timesteps
    v_start = torch.tensor(start / tau).sigmoid()
    v_end = torch.tensor(end / tau).sigmoid()
    alphas_cumprod = (-((t * (end - start) + start) / tau).sigmoid() + v_end) / (v_end - v_start)
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - (alphas_cumprod[1:] / alphas_cumprod[:-1])
    return torch.clip(betas, 0, 0.999)


def get_beta_schedule(beta_schedule, timesteps):
    if beta_schedule == "linear":
        beta_schedule_fn = linear_beta_schedule
    elif beta_schedule == "cosine":
        beta_schedule_fn = cosine_beta_schedule
    elif beta_schedule == "sigmoid":
        beta_schedule_fn = sigmoid_beta_schedule
    else:
        raise ValueError(f"unknown beta schedule {beta_schedule}")
    return beta_schedule_fn(timesteps)


class GaussianDiffusion(nn.Module):
    def __init__(self, model, *, image_size, timesteps=1000, objective="pred_noise", beta_schedule="sigmoid"):
        super().__init__()

        self.model = model
        self.channels = 3
        self.image_size = image_size
        self.objective = objective
        assert objective in {"pred_noise", "pred_x_start"}, \
            "objective must be either pred_noise (predict noise) or pred_x_start (predict image start)"

        def register_buffer(name, val): return self.register_buffer(name, val.float())

        betas = get_beta_schedule(beta_schedule, timesteps)
        self.num_timesteps = int(betas.shape[0])
        alphas = 1.0 - betas
        alphas_cumprod = torch.cumprod(alphas, dim=0)  # alpha_bar_t
        register_buffer("betas", betas)
        register_buffer("alphas", alphas)
        register_buffer("alphas_cumprod", alphas_cumprod)
        register_buffer("sqrt_alphas_cumprod", torch.sqrt(alphas_cumprod))
        register_buffer("sqrt_one_minus_alphas_cumprod", torch.sqrt(1.0 - alphas_cumprod))

        # For posterior q(x_{t-1} | x_t, x_0)
        alphas_cumprod_prev = nn.functional.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
        register_buffer("posterior_mean_coef1", betas * torch.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod))
        register_buffer("posterior_mean_coef2",
                        (1.0 - alphas_cumprod_prev) * torch.sqrt(alphas) / (1.0 - alphas_cumprod))
        posterior_var = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        posterior_std = torch.sqrt(posterior_var.clamp(min=1e-20))
        register_buffer("posterior_std", posterior_std)

        snr = alphas_cumprod / (1 - alphas_cumprod)
        loss_weight = torch.ones_like(snr) if objective == "pred_noise" else snr
        register_buffer("loss_weight", loss_weight)

    def normalize(self, img):
        return img * 2 - 1

    def unnormalize(self, img):
        return (img + 1) * 0.5

    def predict_start_from_noise(self, x_t, t, noise):
        x_start = None
        x_start = (x_t - extract(self.sqrt_one_minus_alphas_cumprod, t, x_t.shape) * noise) / \
            extract(self.sqrt_alphas_cumprod, t, x_t.shape)
        return x_start

    def predict_noise_from_start(self, x_t, t, x_start):
        pred_noise = None
        pred_noise = (x_t - extract(self.sqrt_alphas_cumprod, t, x_t.shape) * x_start) / \
            extract(self.sqrt_one_minus_alphas_cumprod, t, x_t.shape)
        return pred_noise

    def q_posterior(self, x_start, x_t, t):
        c1 = extract(self.posterior_mean_coef1, t, x_t.shape)
        c2 = extract(self.posterior_mean_coef2, t, x_t.shape)
        posterior_mean = c1 * x_start + c2 * x_t
        posterior_std = extract(self.posterior_std, t, x_t.shape)
        return posterior_mean, posterior_std

    @torch.no_grad()
    def p_sample(self, x_t, t: int, model_kwargs={}):
        t = torch.full((x_t.shape[0],), t, device=x_t.device, dtype=torch.long)  # (b,)
        x_tm1 = None
        prediction = self.model(x_t, t, model_kwargs)
        if self.objective == "pred_noise":
            x_start = self.predict_start_from_noise(x_t, t, prediction)
        else:
            x_start = prediction
        x_start = x_start.clamp(-1.0, 1.0)
        mean, std = self.q_posterior(x_start, x_t, t)
        x_tm1 = mean + std * torch.randn_like(x_t)
        return x_tm1

    @torch.no_grad()
    def sample(self, batch_size=16, return_all_timesteps=False, model_kwargs={}):
        shape = (batch_size, self.channels, self.image_size, self.image_size)
        img = torch.randn(shape, device=self.betas.device)
        imgs = [img]

        for t in tqdm(reversed(range(0, self.num_timesteps)), desc="sampling loop time step",
                      total=self.num_timesteps):
            img = self.p_sample(img, t, model_kwargs=model_kwargs)
            imgs.append(img)

        res = img if not return_all_timesteps else torch.stack(imgs, dim=1)
        res = self.unnormalize(res)
        return res

    def q_sample(self, x_start, t, noise):
        x_t = None
        x_t = extract(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start + \
            extract(self.sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise
        return x_t

    def p_losses(self, x_start, model_kwargs={}):
        b, nts = x_start.shape[0], self.num_timesteps
        t = torch.randint(0, nts, (b,), device=x_start.device).long()  # (b,)
        x_start = self.normalize(x_start)  # (b, *)
        noise = torch.randn_like(x_start)  # (b, *)
        target = noise if self.objective == "pred_noise" else x_start  # (b, *)
        loss_weight = extract(self.loss_weight, t, target.shape)  # (b, *)
        loss = None
        x_t = self.q_sample(x_start, t, noise)
        prediction = self.model(x_t, t, model_kwargs)
        loss = (loss_weight * F.mse_loss(prediction, target, reduction="none")).mean()
        return loss


# The notebook's checks of the schedule and the forward process
for schedule in ("linear", "cosine", "sigmoid"):
    betas = get_beta_schedule(schedule, 10)
    print(schedule, "betas:", betas)

torch.manual_seed(231)
unet = Unet(dim=8, condition_dim=4, dim_mults=(1, 2), channels=3)
diffusion = GaussianDiffusion(unet, image_size=8, timesteps=12, objective="pred_noise")
print("buffers:", [name for name, _ in diffusion.named_buffers()])
print("parameters:", sum(p.numel() for p in unet.parameters()))

x_start = torch.rand(4, 3, 8, 8) * 2 - 1
t = torch.tensor([0, 3, 7, 11])
noise = torch.randn_like(x_start)
x_t = diffusion.q_sample(x_start, t, noise)
print("x_t:", x_t[0, 0, 0])
recovered = diffusion.predict_start_from_noise(x_t, t, noise)
print("x_start recovered:", (recovered - x_start).abs().max().item() < 1e-4)
recovered_noise = diffusion.predict_noise_from_start(x_t, t, x_start)
print("noise recovered:", (recovered_noise - noise).abs().max().item() < 1e-4)
mean, std = diffusion.q_posterior(x_start, x_t, t)
print("posterior:", mean[1, 0, 0], std.flatten())

# Training on stand-in "emoji" images (8 x 8, a coloured square on a background each) with text embeddings
rng = np.random.RandomState(0)
images = np.zeros((16, 3, 8, 8), dtype=np.float32)
text_embs = rng.randn(16, 4).astype(np.float32)
for i in range(16):
    top, left = rng.randint(0, 5, size=2)
    images[i] = rng.rand(3, 1, 1) * 0.3
    images[i, :, top:top + 4, left:left + 4] = rng.rand(3, 1, 1)
dataset = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(text_embs))
loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True)

optimizer = torch.optim.Adam(diffusion.parameters(), lr=2e-3)
diffusion.train()
losses = []
for epoch in range(6):
    for img, text_emb in loader:
        loss = diffusion.p_losses(img, model_kwargs={"text_emb": text_emb})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print("epoch %d loss %.5f" % (epoch, losses[-1]))

diffusion.eval()
samples = diffusion.sample(batch_size=2, model_kwargs={"text_emb": torch.from_numpy(text_embs[:2])})
print("samples:", samples.shape, samples[0, 0, 0])
guided = diffusion.sample(batch_size=2, model_kwargs={"text_emb": torch.from_numpy(text_embs[:2]), "cfg_scale": 2.0})
print("guided samples:", guided[0, 0, 0])
all_steps = diffusion.sample(batch_size=1, return_all_timesteps=True, model_kwargs={"text_emb": None})
print("all timesteps:", all_steps.shape)
'''

CLIP_DINO = r'''
import numpy as np
import torch
import torch.nn as nn
from PIL import Image


def get_similarity_no_loop(text_features, image_features):
    """The pairwise cosine similarity (N, M) of text features (N, D) and image features (M, D)."""
    similarity = None
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    similarity = text_features @ image_features.T
    return similarity


# The notebook's check: against a loop over the pairs
torch.manual_seed(231)
text_features, image_features = torch.randn(3, 16), torch.randn(5, 16)
similarity = get_similarity_no_loop(text_features, image_features)
looped = torch.tensor([[torch.nn.functional.cosine_similarity(t, i, dim=0).item() for i in image_features]
                       for t in text_features])
print("similarity:", similarity)
print("no-loop matches the loop:", torch.allclose(similarity, looped, atol=1e-6))


# CLIP's stand-in: a text encoder over token ids and an image encoder over preprocessed images, into one space
def tokenize(texts, context_length=8):
    if isinstance(texts, str):
        texts = [texts]
    result = torch.zeros(len(texts), context_length, dtype=torch.long)
    for i, text in enumerate(texts):
        tokens = [1 + sum(map(ord, word)) % 97 for word in text.lower().split()][:context_length]
        result[i, :len(tokens)] = torch.tensor(tokens)
    return result


class TinyCLIP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.token_embedding = nn.Embedding(98, dim)
        self.visual = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
                                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, dim))

    def encode_text(self, text):
        mask = (text != 0).float().unsqueeze(-1)
        return (self.token_embedding(text) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)

    def encode_image(self, image):
        return self.visual(image)


def clip_preprocess(img):
    """The preprocessing's stand-in: a PIL image to a normalised (3, H, W) tensor."""
    pixels = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (pixels - 0.5) / 0.25


@torch.no_grad()
def clip_zero_shot_classifier(clip_model, clip_preprocess, images, class_texts, device):
    pred_classes = []
    text_features = clip_model.encode_text(tokenize(class_texts).to(device))
    image_tensors = torch.cat([clip_preprocess(Image.fromarray(img)).unsqueeze(0) for img in images]).to(device)
    image_features = clip_model.encode_image(image_tensors)
    similarity = get_similarity_no_loop(text_features, image_features)  # (classes, images)
    pred_classes = [class_texts[i] for i in similarity.argmax(dim=0).cpu().numpy()]
    return pred_classes


class CLIPImageRetriever:
    """
    A simple image retrieval system using CLIP.
    """

    @torch.no_grad()
    def __init__(self, clip_model, clip_preprocess, images, device):
        self.clip_model, self.device = clip_model, device
        image_tensors = torch.stack([clip_preprocess(Image.fromarray(img)) for img in images]).to(device)
        features = clip_model.encode_image(image_tensors)
        self.image_features = features / features.norm(dim=-1, keepdim=True)

    @torch.no_grad()
    def retrieve(self, query: str, k: int = 2):
        top_indices = []
        text_features = self.clip_model.encode_text(tokenize(query).to(self.device))
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        similarity = (text_features @ self.image_features.T).squeeze(0)
        top_indices = similarity.topk(k).indices.tolist()
        return top_indices


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
clip_model = TinyCLIP().to(device)
rng = np.random.RandomState(0)
images = [rng.randint(0, 256, size=(12, 12, 3)).astype(np.uint8) for _ in range(6)]
class_texts = ["a photo of a cat", "a photo of a dog", "a photo of a car"]
print("zero-shot predictions:", clip_zero_shot_classifier(clip_model, clip_preprocess, images, class_texts, device))
retriever = CLIPImageRetriever(clip_model, clip_preprocess, images, device)
print("retrieved:", retriever.retrieve("a photo of a dog", k=3))


def compute_iou(pred, gt, num_classes):
    """Compute the mean Intersection over Union (IoU)."""
    iou = 0
    for ci in range(num_classes):
        p = pred == ci
        g = gt == ci
        iou += (p & g).sum() / ((p | g).sum() + 1e-8)
    return iou / num_classes


class DINOSegmentation:
    def __init__(self, device, num_classes: int, inp_dim : int = 384):
        self.model = nn.Sequential(nn.Linear(inp_dim, 24), nn.ReLU(), nn.Linear(24, num_classes)).to(device)
        self.device = device
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-2, weight_decay=1e-4)
        self.criterion = nn.CrossEntropyLoss()

    def train(self, X_train, Y_train, num_iters=500):
        self.model.train()
        X_train, Y_train = X_train.to(self.device), Y_train.to(self.device)
        for it in range(num_iters):
            loss = self.criterion(self.model(X_train), Y_train)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if (it + 1) % 20 == 0:
                print(f"Iteration {it+1}/{num_iters}, Loss: {loss.item():.4f}")

    @torch.no_grad()
    def inference(self, X_test):
        pred_classes = None
        self.model.eval()
        pred_classes = self.model(X_test.to(self.device)).argmax(dim=1)
        return pred_classes


# DAVIS's stand-in: DINO's patch features (a 6 x 6 grid of 32-d tokens a frame) and masks of three classes
def process_masks(masks, device):
    res = []
    for m in masks:
        res.append(torch.from_numpy(m).long().flatten(-2, -1))
    res = torch.stack(res).to(device)
    return res


num_classes, frames, D = 3, 4, 32
masks = rng.randint(0, num_classes, size=(frames, 6, 6)).astype(np.uint8)
centres = rng.randn(num_classes, D).astype(np.float32)
tokens = centres[masks.reshape(frames, -1)] + 3.0 * rng.randn(frames, 36, D).astype(np.float32)
processed_frames = torch.from_numpy(tokens)  # (frames, 36, D), what process_frames returns
processed_masks = process_masks(masks, device)  # (frames, 36)

X_train = processed_frames[0]
Y_train = processed_masks[0]
model = DINOSegmentation(device, num_classes, inp_dim=D)
model.train(X_train, Y_train, num_iters=60)

X_test = processed_frames[1:].flatten(0, 1)
Y_test = processed_masks[1:].flatten(0, 1)
pred_classes = model.inference(X_test)
mean_iou = compute_iou(pred_classes, Y_test, num_classes)
print(f"Mean IoU: {mean_iou.item():.4f}")
'''

STYLE_TRANSFER = r'''
import numpy as np
import torch
import torch.nn as nn

dtype = torch.FloatTensor


def extract_features(x, cnn):
    """
    Use the CNN to extract features from the input image x.

    Returns:
    - features: A list of feature for the input images x extracted using the cnn model.
      features[i] is a PyTorch Tensor of shape (N, C_i, H_i, W_i)
    """
    features = []
    prev_feat = x
    for i, module in enumerate(cnn._modules.values()):
        next_feat = module(prev_feat)
        features.append(next_feat)
        prev_feat = next_feat
    return features


def content_loss(content_weight, content_current, content_original):
    return content_weight * torch.sum((content_current - content_original) ** 2)


def gram_matrix(features, normalize=True):
    N, C, H, W = features.size()
    features = features.view(N, C, H * W)
    gram = torch.bmm(features, features.transpose(1, 2))
    if normalize:
        gram /= (H * W * C)
    return gram


def style_loss(feats, style_layers, style_targets, style_weights):
    loss = 0
    for i, layer in enumerate(style_layers):
        gram = gram_matrix(feats[layer])
        loss += style_weights[i] * torch.sum((gram - style_targets[i]) ** 2)
    return loss


def tv_loss(img, tv_weight):
    h_variation = torch.sum((img[:, :, 1:, :] - img[:, :, :-1, :]) ** 2)
    w_variation = torch.sum((img[:, :, :, 1:] - img[:, :, :, :-1]) ** 2)
    return tv_weight * (h_variation + w_variation)


# SqueezeNet's features' stand-in: a frozen stack of convolutions, ReLUs and pooling
cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(16, 16, 3, padding=1),
                    nn.ReLU(inplace=True))
cnn.type(dtype)
# We don't want to train the model any further, so we don't want PyTorch to waste computation computing gradients
# on parameters we're never going to update.
for param in cnn.parameters():
    param.requires_grad = False

# The notebook's checks of the losses
rng = np.random.RandomState(0)
content_img = torch.from_numpy(rng.rand(1, 3, 16, 16).astype(np.float32))
style_img = torch.from_numpy(rng.rand(1, 3, 16, 16).astype(np.float32))
feats = extract_features(content_img, cnn)
print("content loss:", content_loss(5e-2, feats[3], feats[3] * 0.5).item())
print("gram matrix:", gram_matrix(feats[4].clone())[0, :2, :3])
style_feats = extract_features(style_img, cnn)
style_targets = [gram_matrix(style_feats[idx].clone()) for idx in (1, 4, 6)]
print("style loss:", style_loss(feats, (1, 4, 6), style_targets, [20000, 500, 12]).item())
print("tv loss:", tv_loss(content_img, 2e-2).item())


def style_transfer(content_image, style_image, image_size, style_size, content_layer, content_weight,
                   style_layers, style_weights, tv_weight, init_random=False, num_iters=20):
    # Extract features for the content image
    content_img = content_image.type(dtype)
    feats = extract_features(content_img, cnn)
    content_target = feats[content_layer].clone()

    # Extract features for the style image
    style_img = style_image.type(dtype)
    feats = extract_features(style_img, cnn)
    style_targets = []
    for idx in style_layers:
        style_targets.append(gram_matrix(feats[idx].clone()))

    # Initialize output image to content image or noise
    if init_random:
        img = torch.Tensor(content_img.size()).uniform_(0, 1).type(dtype)
    else:
        img = content_img.clone().type(dtype)

    # We do want the gradient computed on our image!
    img.requires_grad_()

    # Set up optimization hyperparameters
    initial_lr = 0.05  # the notebook's 3.0 and 0.1 are for SqueezeNet's features; the small stand-in takes less
    decayed_lr = 0.01
    decay_lr_at = num_iters // 2

    # Note that we are optimizing the pixel values of the image by passing
    # in the img Torch tensor, whose requires_grad flag is set to True
    optimizer = torch.optim.Adam([img], lr=initial_lr)

    for t in range(num_iters):
        if t < num_iters - 2:
            img.data.clamp_(-1.5, 1.5)
        optimizer.zero_grad()

        feats = extract_features(img, cnn)

        # Compute loss
        c_loss = content_loss(content_weight, feats[content_layer], content_target)
        s_loss = style_loss(feats, style_layers, style_targets, style_weights)
        t_loss = tv_loss(img, tv_weight)
        loss = c_loss + s_loss + t_loss

        loss.backward()

        # Perform gradient descents on our image values
        if t == decay_lr_at:
            optimizer = torch.optim.Adam([img], lr=decayed_lr)
        optimizer.step()

        if t % 5 == 0:
            print('Iteration {}: loss {:.4f}'.format(t, loss.item()))
    print('Iteration {}: loss {:.4f}'.format(t, loss.item()))
    return img


out = style_transfer(content_img, style_img, image_size=16, style_size=16, content_layer=3, content_weight=5e-2,
                     style_layers=(1, 4, 6), style_weights=(20000, 500, 12), tv_weight=5e-2)
print("stylized:", out[0, 0, 0])
out_random = style_transfer(content_img, style_img, image_size=16, style_size=16, content_layer=3,
                            content_weight=0, style_layers=(1, 4, 6), style_weights=(20000, 500, 12),
                            tv_weight=5e-2, init_random=True, num_iters=10)
print("texture synthesis:", out_random.min().item(), out_random.max().item())
'''

PROGRAMS = {"pytorch_notebook": PYTORCH_NOTEBOOK, "rnn_captioning": RNN_CAPTIONING,
            "transformer_captioning": TRANSFORMER_CAPTIONING, "generative_adversarial_networks": GANS,
            "self_supervised_learning": SELF_SUPERVISED, "network_visualization": NETWORK_VISUALIZATION,
            "denoising_diffusion": DDPM, "clip_dino": CLIP_DINO, "style_transfer": STYLE_TRANSFER}


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _ran(program):
    """The program run with autograd_core (without PyTorch): its namespace and what it printed, which holds finite
    numbers."""
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(program), "cs231n")
    numbers = reported_numbers(printed)
    assert numbers and np.all(np.isfinite(numbers)), printed
    return namespace, printed


@pytest.mark.parametrize("name", PROGRAMS)
def test_cs231n_assignment_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    compare_with_pytorch(PROGRAMS[name], name, monkeypatch, show_tensors=True, ignore_shapes=True)


def test_pytorch_notebook_trains_each_level_of_abstraction():
    ns, printed = _ran(PYTORCH_NOTEBOOK)
    assert re.search(r"After flattening:  Value\(\[\[ 0,  1, .*\], \[ 6,  7, .*, shape=\(2, 6\)", printed)
    assert printed.count("(64, 10)") == 4  # the four shape checks on zeros
    losses = [float(v) for v in re.findall(r"Iteration \d+, loss = ([\d.]+)", printed)]
    assert len(losses) == 6 * 3 + 3 * 3  # six runs of three prints; Part V's three epochs
    assert ns["two_layer_accuracy"] > 0.3 and ns["sequential_accuracy"] > 0.3 and ns["test_accuracy"] > 0.2  # 1/10
    w1, w2 = ns["w1"], ns["w2"]  # train_part2's update by hand leaves leaves with zeroed gradients
    assert w1.is_leaf and w1.requires_grad and not np.any(w1.grad) and not np.any(w2.grad)
    assert ns["best_model"].bn1.running_mean.shape == (8,)


def test_rnn_captioning_matches_the_notebooks_expected_values_and_overfits():
    ns, printed = _ran(RNN_CAPTIONING)
    assert "next_h error:  True" in printed
    for layer in ("lstm_step_forward", "word_embedding_forward", "rnn_forward"):  # a tuple out; an index tensor in
        assert f"{layer} gradcheck: True" in printed
    # the notebook's expected loss (its parameters are float32 linspaces made float64: 1e-7 off)
    assert abs(float(re.search(r"rnn loss:  ([\d.]+)", printed)[1]) - 9.83235591003) < 1e-6
    losses = ns["loss_history"]
    assert len(losses) == 40 and losses[-1] < losses[0] / 2
    small = [float(v) for v in re.findall(r"^(\d+\.\d+)$", printed, flags=re.M)]
    assert len(small) == 3 and abs(small[0] - 2.3) < 0.1 and abs(small[1] - 23) < 1 and 2.0 < small[2] < 2.6


def test_transformer_captioning_overfits_and_samples_its_captions():
    ns, printed = _ran(TRANSFORMER_CAPTIONING)
    assert "buffers: ['pe'] ['pe']" in printed
    history = ns["transformer_solver"].loss_history
    assert len(history) == 150 and float(history[-1]) < float(history[0]) / 4
    assert ns["captions_match"] >= 3  # greedy decoding gives back the captions it was trained on
    self_attention, masked = (np.array(ns[k].detach().numpy()) for k in ("self_attn_output", "masked_self_attn_output"))
    assert self_attention.shape == masked.shape == (1, 3, 6) and not np.allclose(self_attention, masked)


def test_gans_have_the_notebooks_parameter_counts_and_train():
    ns, printed = _ran(GANS)
    assert "All tests passed!" in printed and "Incorrect" not in printed
    errors = [float(e) for e in re.findall(r"Maximum error in \w+: (\S+)", printed)]
    assert len(errors) == 4 and max(errors) < 1e-6  # against the losses' formulas in NumPy (gan-checks.npz)
    assert printed.count("Correct number of parameters") == 4
    assert printed.count("Iter: ") == 6 and len(ns["images"]) == 2 and ns["images"][0].shape == (8, 784)
    losses = {name: float(v) for name, v in re.findall(r"^(\w+_loss) ([\d.]+)$", printed, flags=re.M)}
    assert abs(losses["discriminator_loss"] - 1.6612135) < 1e-6 and abs(losses["ls_generator_loss"] - 1.56875) < 1e-6


def test_simclr_losses_agree_and_features_are_unit_vectors():
    ns, printed = _ran(SELF_SUPERVISED)
    assert "Difference between the two losses: True" in printed
    assert printed.count("Sim pair: ") == 4 and "Naive loss: " in printed and "Vectorized loss: " in printed
    assert abs(ns["loss_naive"].item() - ns["loss_vectorized"].item()) < 1e-5
    assert np.allclose(ns["feature"].numpy().__pow__(2).sum(axis=1), 1, atol=1e-5)
    assert len(ns["losses"]) == 2 and "kNN accuracy:" in printed


def test_network_visualization_takes_gradients_with_respect_to_the_image():
    ns, printed = _ran(NETWORK_VISUALIZATION)
    saliency = ns["saliency"]
    assert saliency.shape == (5, 16, 16) and (saliency >= 0).all() and saliency.max() > 0
    assert ns["model"][0].weight.grad is None  # frozen: requires_grad = False on every parameter
    assert ns["X_fooling"].detach().numpy().argmax() is not None and "Fooled after" in printed
    assert ns["out"].shape == (1, 3, 16, 16)


def test_torchvision_helpers_run_on_pil_images():
    ns, printed = _ran(TORCHVISION_HELPERS)
    assert "deprocessed: (16, 24, 3) uint8 0 255" in printed  # rescaled to [0, 1], then ToPILImage's uint8 array
    x_i, x_j = ns["x_i"], ns["x_j"]
    assert x_i.shape == x_j.shape == (4, 3, 32, 32) and not np.allclose(x_i.numpy(), x_j.numpy())
    assert "saliency: (3, 32, 32) True" in printed and "fooled: True" in printed
    assert "fooling picture: (32, 32, 3) uint8" in printed
    assert type(ns["model"]).__name__ == "SqueezeNet"  # torchvision.models.squeezenet1_1, the notebook's model


def test_ddpm_recovers_its_inputs_and_trains():
    ns, printed = _ran(DDPM)
    assert "x_start recovered: True" in printed and "noise recovered: True" in printed
    betas = ns["betas"].numpy()  # the loop's last schedule, the sigmoid one, in float64
    assert betas.shape == (10,) and betas.dtype == np.float64 and (np.diff(betas) > 0).all() and betas[-1] == 0.999
    losses = ns["losses"]
    assert len(losses) == 12 and np.mean(losses[-4:]) < np.mean(losses[:4])
    assert ns["samples"].shape == (2, 3, 8, 8) and ns["all_steps"].shape == (1, 13, 3, 8, 8)
    # cfg_forward pops cfg_scale from the caller's model_kwargs: the assignment's sampler guides its first step only
    assert printed.count("Classifier-free guidance scale: 2.0") == 1


def test_clip_dino_similarity_retrieval_and_segmentation():
    ns, printed = _ran(CLIP_DINO)
    assert "no-loop matches the loop: True" in printed
    assert len(ns["retriever"].retrieve("a photo of a cat", k=3)) == 3
    assert set(re.findall(r"'(a photo of a \w+)'", printed)) <= set(ns["class_texts"])
    assert ns["pred_classes"].shape == (108,) and 1 / 3 < ns["mean_iou"].item() <= 1  # above chance


def test_style_transfer_lowers_its_loss_from_content_and_from_noise():
    ns, printed = _ran(STYLE_TRANSFER)
    losses = [float(v) for v in re.findall(r"Iteration \d+: loss ([\d.]+)", printed)]
    assert len(losses) == 5 + 3 and losses[4] < losses[0] / 2 and losses[7] < losses[5] / 2
    assert ns["out"].shape == ns["out_random"].shape == (1, 3, 16, 16)  # the noise image has the content's shape
    assert ns["out"].requires_grad and ns["out"].is_leaf  # the optimised pixels: a leaf, as in PyTorch


def test_simclr_classifier_loads_pytorchs_pretrained_weights_with_strict_false(tmp_path):
    """The notebook's linear evaluation starts from the course's pretrained SimCLR weights, saved by PyTorch:
    `model.load_state_dict(torch.load(pretrained_path, map_location='cpu'), strict=False)`, the projection head's
    keys left over. Our Classifier, given PyTorch's file, computes PyTorch's scores."""
    torch = pytest.importorskip("torch")
    definitions = SELF_SUPERVISED[:SELF_SUPERVISED.index("def rel_error")] + SELF_SUPERVISED[
        SELF_SUPERVISED.index("class Model(nn.Module):"):SELF_SUPERVISED.index("def train(")] + SELF_SUPERVISED[
        SELF_SUPERVISED.index("class Classifier(nn.Module):"):SELF_SUPERVISED.index("def train_val(")]
    theirs, _ = run(definitions, "simclr_models")
    ours, _ = run(with_our_imports(definitions), "simclr_models")
    torch.manual_seed(0)
    pretrained = theirs["Model"]()
    with torch.no_grad():  # batch norm statistics that are not the defaults
        pretrained(torch.randn(8, 3, 8, 8))
    path = tmp_path / "pretrained_model.pth"
    torch.save(pretrained.state_dict(), path)
    their_classifier, our_classifier = theirs["Classifier"](num_class=10), ours["Classifier"](num_class=10)
    their_keys = their_classifier.load_state_dict(torch.load(path, map_location="cpu"), strict=False)
    our_keys = our_classifier.load_state_dict(ag.load(path, map_location="cpu"), strict=False)
    assert sorted(our_keys.missing_keys) == sorted(their_keys.missing_keys) == ["fc.bias", "fc.weight"]
    assert sorted(our_keys.unexpected_keys) == sorted(their_keys.unexpected_keys)
    with ag.no_grad():
        our_classifier.fc.weight.copy_(ag.tensor(their_classifier.fc.weight.detach().numpy()))
        our_classifier.fc.bias.copy_(ag.tensor(their_classifier.fc.bias.detach().numpy()))
    images = np.random.default_rng(0).standard_normal((4, 3, 8, 8)).astype(np.float32)
    their_classifier.eval()
    our_classifier.eval()
    np.testing.assert_allclose(our_classifier(ag.tensor(images)).detach().numpy(),
                               their_classifier(torch.from_numpy(images)).detach().numpy(), rtol=1e-5, atol=1e-6)

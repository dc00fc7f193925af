""""Machine Learning with PyTorch and Scikit-Learn" (Raschka, Liu, Mirjalili, 2022; rasbt/machine-learning-book),
the PyTorch chapters 12-19, run with `import autograd_core as torch` as the book's readers run them, giving
PyTorch's numbers.

Chapter 12 (creating and reshaping tensors, torch.normal/chunk/split/cat/stack, DataLoader over a tensor,
a joint Dataset subclass and TensorDataset, shuffling and batching, a Dataset of image files; linear regression by
hand and with nn.Linear/torch.optim, the Iris MLP with Adam, saving and reloading, the activation functions), 13
(the computation graph of compute_z, requires_grad, xavier_normal_, gradients by backward and torch.autograd.grad,
nn.Sequential with xavier_uniform_ and an L1 penalty, the XOR problem with nn.Sequential and a ModuleList
subclass, the NoisyLinear custom layer; the Auto MPG regression with torch.bucketize and one_hot feature columns,
the MNIST MLP), 14 (conv1d/conv2d and pooling by hand in NumPy beside F.conv1d/conv2d and the pooling layers, L2
penalties, BCE/CE losses from probabilities and logits, the MNIST CNN built with add_module; the smile classifier's
CNN with its random-crop/flip/resize augmentation), 15 (an RNN's forward by hand beside nn.RNN, the IMDb sentiment
LSTM with an embedding and pack_padded_sequence, the character-level language model and its sampling with a
temperature), 16 (self-attention step by step from a sentence's embeddings, multi-head attention as the book
writes it, nn.TransformerEncoderLayer), 17 (the GAN on MNIST, DCGAN's generator and discriminator, the WGAN-GP
gradient penalty by torch.autograd.grad with create_graph=True), 18 (graph convolution from scratch: NodeNetwork
with BasicGraphConvolutionLayer, global_sum_pool, the molecule batches' collate function) and 19 (the CartPole
agent's Q network and its replay step).

Data the book downloads (Iris, Auto MPG, MNIST, CelebA, IMDb, The Mysterious Island) are small random stand-ins of
the same shapes and dtypes, each written in a few NumPy lines; scikit-learn, pandas, torchtext, gym and, in the
compared programs, torchvision (not installed beside the PyTorch oracle) are stood in for by the few lines they stand
for, and the book's plots are replaced by printing what they would draw. Sizes and epochs are smaller. A line spelled
differently from the book because of a documented design difference has a comment beside it. The book's torchvision
lines (datasets.MNIST and CelebA, the transforms, io.read_image) run with autograd_core.vision as torchvision, on
files in those data sets' formats, and are checked without a comparison; so are the library fixes the book brought
(center_crop by a fractional size, CelebA, torch.autograd.gradcheck of a function that takes gradients itself).
Not run: chapter 13's Lightning and Ignite parts, chapter 16's Hugging Face GPT-2/BERT part, chapter 18's PyTorch
Geometric part (libraries above PyTorch).

The harness is tests/program_harness.py's: each program runs with autograd_core; where PyTorch is installed it runs
again with PyTorch from the same starting values (every random draw, layer initialisation and DataLoader shuffle
replayed from our run) and every number it prints, tensors included, agrees to float32 precision.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from program_harness import compare_with_pytorch, run, with_our_imports

import autograd_core as ag
from autograd_core.gradcheck import GradcheckError
from autograd_core.vision.transforms import functional as TF


TENSORS_AND_DATA = r'''
import torch
import numpy as np
from torch.utils.data import DataLoader
from torch.utils.data import Dataset
from torch.utils.data import TensorDataset
from itertools import islice

np.set_printoptions(precision=3)

# Creating tensors in PyTorch
a = [1, 2, 3]
b = np.array([4, 5, 6], dtype=np.int32)
t_a = torch.tensor(a)
t_b = torch.from_numpy(b)
print(t_a)
print(t_b)
print(torch.is_tensor(a), torch.is_tensor(t_a))
t_ones = torch.ones(2, 3)
print(t_ones.shape)
print(t_ones)
rand_tensor = torch.rand(2,3)
print(rand_tensor)

# Manipulating the data type and shape of a tensor
t_a_new = t_a.to(torch.int64)
print(t_a_new.dtype == torch.int64, t_b.dtype == torch.int32)
t = torch.rand(3, 5)
t_tr = torch.transpose(t, 0, 1)
print(t.shape, ' --> ', t_tr.shape)
t = torch.zeros(30)
t_reshape = t.reshape(5, 6)
print(t_reshape.shape)
t = torch.zeros(1, 2, 1, 4, 1)
t_sqz = torch.squeeze(t, 2)
print(t.shape, ' --> ', t_sqz.shape)

# Applying mathematical operations to tensors
torch.manual_seed(1)
t1 = 2 * torch.rand(5, 2) - 1
t2 = torch.normal(mean=0, std=1, size=(5, 2))
t3 = torch.multiply(t1, t2)
print(t3)
t4 = torch.mean(t1, axis=0)
print(t4)
t5 = torch.matmul(t1, torch.transpose(t2, 0, 1))
print(t5)
t6 = torch.matmul(torch.transpose(t1, 0, 1), t2)
print(t6)
norm_t1 = torch.linalg.norm(t1, ord=2, dim=1)
print(norm_t1)
print(np.sqrt(np.sum(np.square(t1.numpy()), axis=1)))

# Split, stack, and concatenate tensors
torch.manual_seed(1)
t = torch.rand(6)
print(t)
t_splits = torch.chunk(t, 3)
print([item.numpy() for item in t_splits])
torch.manual_seed(1)
t = torch.rand(5)
print(t)
t_splits = torch.split(t, split_size_or_sections=[3, 2])
print([item.numpy() for item in t_splits])
A = torch.ones(3)
B = torch.zeros(2)
C = torch.cat([A, B], axis=0)
print(C)
A = torch.ones(3)
B = torch.zeros(3)
S = torch.stack([A, B], axis=1)
print(S)

# Creating a PyTorch DataLoader from existing tensors
t = torch.arange(6, dtype=torch.float32)
data_loader = DataLoader(t)
for item in data_loader:
    print(item)
data_loader = DataLoader(t, batch_size=3, drop_last=False)
for i, batch in enumerate(data_loader, 1):
    print(f'batch {i}:', batch)

# Combining two tensors into a joint dataset
class JointDataset(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def __len__(self):
        return len(self.x)
    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]

torch.manual_seed(1)
t_x = torch.rand([4, 3], dtype=torch.float32)
t_y = torch.arange(4)
joint_dataset = JointDataset(t_x, t_y)
for example in joint_dataset:
    print('  x: ', example[0], '  y: ', example[1])
# Or use TensorDataset directly
joint_dataset = TensorDataset(t_x, t_y)
for example in joint_dataset:
    print('  x: ', example[0], '  y: ', example[1])

# Shuffle, batch, and repeat
torch.manual_seed(1)
data_loader = DataLoader(dataset=joint_dataset, batch_size=2, shuffle=True)
for i, batch in enumerate(data_loader, 1):
        print(f'batch {i}:', 'x:', batch[0], '\n         y:', batch[1])
for epoch in range(2):
    print(f'epoch {epoch+1}')
    for i, batch in enumerate(data_loader, 1):
        print(f'batch {i}:', 'x:', batch[0], '\n         y:', batch[1])

# Creating a dataset from files on your local storage disk: the cat and dog images as .npy stand-ins
import os
import pathlib
imgdir_path = pathlib.Path('cat_dog_images')
imgdir_path.mkdir(exist_ok=True)
for name in ['cat-01', 'cat-02', 'cat-03', 'dog-01', 'dog-02', 'dog-03']:
    np.save(imgdir_path / f'{name}.npy', np.random.randint(0, 256, (6, 9, 3)).astype(np.uint8))
file_list = sorted([str(path) for path in imgdir_path.glob('*.npy')])
print([os.path.basename(f) for f in file_list])
labels = [1 if 'dog' in os.path.basename(file) else 0
          for file in file_list]
print(labels)

class ImageDataset(Dataset):
    def __init__(self, file_list, labels, transform=None):
        self.file_list = file_list
        self.labels = labels
        self.transform = transform
    def __getitem__(self, index):
        img = np.load(self.file_list[index])
        if self.transform is not None:
            img = self.transform(img)
        label = self.labels[index]
        return img, label
    def __len__(self):
        return len(self.labels)

def to_tensor(img):  # transforms.ToTensor: H x W x C uint8 to C x H x W floats in [0, 1]
    return torch.from_numpy(img.transpose((2, 0, 1))).float() / 255.

image_dataset = ImageDataset(file_list, labels, to_tensor)
for i, example in enumerate(image_dataset):
    print(example[0].shape, example[1], example[0].mean())
print(next(iter(DataLoader(image_dataset, batch_size=6)))[0].sum(dim=(1, 2, 3)))
for i, (image, label) in islice(enumerate(image_dataset), 2):
    print(i, label)
'''


NN_TRAINING = r'''
import torch
import numpy as np
from torch.utils.data import TensorDataset
from torch.utils.data import DataLoader
import torch.nn as nn

# Building a linear regression model
X_train = np.arange(10, dtype='float32').reshape((10, 1))
y_train = np.array([1.0, 1.3, 3.1, 2.0, 5.0, 6.3, 6.6,
                    7.4, 8.0, 9.0], dtype='float32')
X_train_norm = (X_train - np.mean(X_train)) / np.std(X_train)
X_train_norm = torch.from_numpy(X_train_norm)
y_train = torch.from_numpy(y_train).float()
train_ds = TensorDataset(X_train_norm, y_train)
batch_size = 1
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

torch.manual_seed(1)
weight = torch.randn(1)
weight.requires_grad_()
bias = torch.zeros(1, requires_grad=True)

def loss_fn(input, target):
    return (input-target).pow(2).mean()

def model(xb):
    return xb @ weight + bias

learning_rate = 0.001
num_epochs = 20
log_epochs = 5

for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch)
        loss.backward()
        with torch.no_grad():
            weight -= weight.grad * learning_rate
            bias -= bias.grad * learning_rate
            weight.grad.zero_()
            bias.grad.zero_()
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss.item():.4f}')

print('Final Parameters:', weight.item(), bias.item())
X_test = np.linspace(0, 9, num=100, dtype='float32').reshape(-1, 1)
X_test_norm = (X_test - np.mean(X_train)) / np.std(X_train)
X_test_norm = torch.from_numpy(X_test_norm)
y_pred = model(X_test_norm).detach().numpy()
print(y_pred[::20])

# Model training via the torch.nn and torch.optim modules
input_size = 1
output_size = 1
model = nn.Linear(input_size, output_size)
loss_fn = nn.MSELoss(reduction='mean')
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        # 1. Generate predictions
        pred = model(x_batch)[:, 0]
        # 2. Calculate loss
        loss = loss_fn(pred, y_batch)
        # 3. Compute gradients
        loss.backward()
        # 4. Update parameters using gradients
        optimizer.step()
        # 5. Reset the gradients to zero
        optimizer.zero_grad()
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss.item():.4f}')
print('Final Parameters:', model.weight.item(), model.bias.item())
y_pred = model(X_test_norm).detach().numpy()
print(y_pred[::20])

# Building a multilayer perceptron for classifying flowers in the Iris dataset: a stand-in for load_iris() and
# train_test_split(test_size=1/3): three clusters of 4 features, split by a NumPy permutation
centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
y = np.repeat(np.arange(3), 50)
X = centres[y] + 0.35 * np.random.randn(150, 4)
order = np.random.permutation(150)
X_train, X_test, y_train, y_test = X[order[:100]], X[order[100:]], y[order[:100]], y[order[100:]]

X_train_norm = (X_train - np.mean(X_train)) / np.std(X_train)
X_train_norm = torch.from_numpy(X_train_norm).float()
y_train = torch.from_numpy(y_train)
train_ds = TensorDataset(X_train_norm, y_train)
torch.manual_seed(1)
batch_size = 2
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

class Model(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.layer1(x)
        x = nn.Sigmoid()(x)
        x = self.layer2(x)
        x = nn.Softmax(dim=1)(x)
        return x

input_size = X_train_norm.shape[1]
hidden_size = 16
output_size = 3
model = Model(input_size, hidden_size, output_size)
learning_rate = 0.001
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

num_epochs = 6
loss_hist = [0] * num_epochs
accuracy_hist = [0] * num_epochs
for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch.long())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist[epoch] += loss.item()*y_batch.size(0)
        is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
        accuracy_hist[epoch] += is_correct.sum()
    loss_hist[epoch] /= len(train_dl.dataset)
    accuracy_hist[epoch] /= len(train_dl.dataset)
print([round(l, 4) for l in loss_hist[::2]])
print([f'{a:.4f}' for a in accuracy_hist[::2]])

# Evaluating the trained model on the test dataset
X_test_norm = (X_test - np.mean(X_train)) / np.std(X_train)
X_test_norm = torch.from_numpy(X_test_norm).float()
y_test = torch.from_numpy(y_test)
pred_test = model(X_test_norm)
correct = (torch.argmax(pred_test, dim=1) == y_test).float()
accuracy = correct.mean()
print(f'Test Acc.: {accuracy:.4f}')

# Saving and reloading the trained model
# the book's torch.save(model, path) of the whole module: saved here as its state dict (docs/coming-from-pytorch.md:
# "Not here: whole-module torch.save(model)")
path = 'iris_classifier.pt'
torch.save(model.state_dict(), path)
model_new = Model(input_size, hidden_size, output_size)
model_new.load_state_dict(torch.load(path))
print(model_new.eval())
pred_test = model_new(X_test_norm)
correct = (torch.argmax(pred_test, dim=1) == y_test).float()
accuracy = correct.mean()
print(f'Test Acc.: {accuracy:.4f}')
path = 'iris_classifier_state.pt'
torch.save(model.state_dict(), path)
model_new = Model(input_size, hidden_size, output_size)
print(model_new.load_state_dict(torch.load(path)))
print(torch.equal(model_new(X_test_norm), pred_test))

# Estimating class probabilities via the softmax function
def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))
W = np.array([[1.1, 1.2, 0.8, 0.4],
              [0.2, 0.4, 1.0, 0.2],
              [0.6, 1.5, 1.2, 0.7]])
A = np.array([[1, 0.1, 0.4, 0.6]])
Z = np.dot(W, A[0])
def softmax(z):
    return np.exp(z) / np.sum(np.exp(z))
y_probas = softmax(Z)
print('Probabilities:\n', y_probas, np.sum(y_probas))
print(torch.softmax(torch.from_numpy(Z), dim=0))
z = np.arange(-5, 5, 0.5)
print(torch.tanh(torch.from_numpy(z)))
print(torch.sigmoid(torch.from_numpy(z)), logistic(z))
print(torch.relu(torch.from_numpy(z)))
print(torch.softmax(torch.from_numpy(Z), dim=0).dtype == torch.float64)
'''


MECHANICS = r'''
import torch
import torch.nn as nn
import numpy as np
from torch.utils.data import DataLoader, TensorDataset

# Creating a graph in PyTorch
def compute_z(a, b, c):
   r1 = torch.sub(a, b)
   r2 = torch.mul(r1, 2)
   z = torch.add(r2, c)
   return z

print('Scalar Inputs:', compute_z(torch.tensor(1), torch.tensor(2), torch.tensor(3)))
print('Rank 1 Inputs:', compute_z(torch.tensor([1]), torch.tensor([2]), torch.tensor([3])))
print('Rank 2 Inputs:', compute_z(torch.tensor([[1]]), torch.tensor([[2]]), torch.tensor([[3]])))

# PyTorch Tensor objects for storing and updating model parameters
a = torch.tensor(3.14, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
print(a)
print(b)
print(a.requires_grad)
w = torch.tensor([1.0, 2.0, 3.0])
print(w.requires_grad)
w.requires_grad_()
print(w.requires_grad)
torch.manual_seed(1)
w = torch.empty(2, 3)
nn.init.xavier_normal_(w)
print(w)

class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = torch.empty(2, 3, requires_grad=True)
        nn.init.xavier_normal_(self.w1)
        self.w2 = torch.empty(1, 2, requires_grad=True)
        nn.init.xavier_normal_(self.w2)

m = MyModule()
print(m.w1.requires_grad, m.w1.is_leaf, len(list(m.parameters())))

# Computing the gradients of the loss with respect to trainable variables
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)
x = torch.tensor([1.4])
y = torch.tensor([2.1])
z = torch.add(torch.mul(w, x), b)
loss = (y-z).pow(2).sum()
loss.backward()
print('dL/dw : ', w.grad)
print('dL/db : ', b.grad)
# verifying the computed gradient dL/dw
print(2 * x * ((w * x + b) - y))
# the same gradients by torch.autograd.grad, without touching .grad
z = torch.add(torch.mul(w, x), b)
loss = (y-z).pow(2).sum()
grad_w, grad_b = torch.autograd.grad(loss, [w, b])
print(grad_w, grad_b, w.grad)

# Implementing models based on nn.Sequential
model = nn.Sequential(
    nn.Linear(4, 16),
    nn.ReLU(),
    nn.Linear(16, 32),
    nn.ReLU()
)
print(model)
nn.init.xavier_uniform_(model[0].weight)
l1_weight = 0.01
l1_penalty = l1_weight * model[2].weight.abs().sum()
print(l1_penalty)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

# Solving an XOR classification problem
np.random.seed(1)
torch.manual_seed(1)
x = np.random.uniform(low=-1, high=1, size=(200, 2))
y = np.ones(len(x))
y[x[:, 0] * x[:, 1]<0] = 0
n_train = 100
x_train = torch.tensor(x[:n_train, :], dtype=torch.float32)
y_train = torch.tensor(y[:n_train], dtype=torch.float32)
x_valid = torch.tensor(x[n_train:, :], dtype=torch.float32)
y_valid = torch.tensor(y[n_train:], dtype=torch.float32)
train_ds = TensorDataset(x_train, y_train)
batch_size = 2
torch.manual_seed(1)
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

model = nn.Sequential(
    nn.Linear(2, 1),
    nn.Sigmoid()
)
print(model)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

torch.manual_seed(1)
num_epochs = 8
def train(model, num_epochs, train_dl, x_valid, y_valid):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        for x_batch, y_batch in train_dl:
            pred = model(x_batch)[:, 0]
            loss = loss_fn(pred, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()
            is_correct = ((pred>=0.5).float() == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.mean()
        loss_hist_train[epoch] /= n_train/batch_size
        accuracy_hist_train[epoch] /= n_train/batch_size
        pred = model(x_valid)[:, 0]
        loss = loss_fn(pred, y_valid)
        loss_hist_valid[epoch] = loss.item()
        is_correct = ((pred>=0.5).float() == y_valid).float()
        accuracy_hist_valid[epoch] += is_correct.mean()
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid

def show(history):  # what the book plots
    for h in history:
        print([f'{float(v):.4f}' for v in h[::2]])

history = train(model, num_epochs, train_dl, x_valid, y_valid)
show(history)

model = nn.Sequential(
    nn.Linear(2, 4),
    nn.ReLU(),
    nn.Linear(4, 4),
    nn.ReLU(),
    nn.Linear(4, 1),
    nn.Sigmoid()
)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)
print(model)
history = train(model, num_epochs, train_dl, x_valid, y_valid)
show(history)

# Making model building more flexible with nn.Module
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        l1 = nn.Linear(2, 4)
        a1 = nn.ReLU()
        l2 = nn.Linear(4, 4)
        a2 = nn.ReLU()
        l3 = nn.Linear(4, 1)
        a3 = nn.Sigmoid()
        l = [l1, a1, l2, a2, l3, a3]
        self.module_list = nn.ModuleList(l)

    def forward(self, x):
        for f in self.module_list:
            x = f(x)
        return x

    def predict(self, x):
        x = torch.tensor(x, dtype=torch.float32)
        pred = self.forward(x)[:, 0]
        return (pred>=0.5).float()

model = MyModule()
print(model)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)
history = train(model, num_epochs, train_dl, x_valid, y_valid)
show(history)
# what mlxtend's plot_decision_regions asks of the model: predictions on a grid of NumPy points
xx, yy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
print(model.predict(np.array([xx.ravel(), yy.ravel()]).T))

# Writing custom layers in PyTorch
class NoisyLinear(nn.Module):
    def __init__(self, input_size, output_size, noise_stddev=0.1):
        super().__init__()
        w = torch.Tensor(input_size, output_size)
        self.w = nn.Parameter(w)  # nn.Parameter is a Tensor that's a module parameter.
        nn.init.xavier_uniform_(self.w)
        b = torch.Tensor(output_size).fill_(0)
        self.b = nn.Parameter(b)
        self.noise_stddev = noise_stddev

    def forward(self, x, training=False):
        if training:
            noise = torch.normal(0.0, self.noise_stddev, x.shape)
            x_new = torch.add(x, noise)
        else:
            x_new = x
        return torch.add(torch.mm(x_new, self.w), self.b)

## testing:
torch.manual_seed(1)
noisy_layer = NoisyLinear(4, 2)
x = torch.zeros((1, 4))
print(noisy_layer(x, training=True))
print(noisy_layer(x, training=True))
print(noisy_layer(x, training=False))

class MyNoisyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = NoisyLinear(2, 4, 0.07)
        self.a1 = nn.ReLU()
        self.l2 = nn.Linear(4, 4)
        self.a2 = nn.ReLU()
        self.l3 = nn.Linear(4, 1)
        self.a3 = nn.Sigmoid()

    def forward(self, x, training=False):
        x = self.l1(x, training)
        x = self.a1(x)
        x = self.l2(x)
        x = self.a2(x)
        x = self.l3(x)
        x = self.a3(x)
        return x

    def predict(self, x):
        x = torch.tensor(x, dtype=torch.float32)
        pred = self.forward(x)[:, 0]
        return (pred>=0.5).float()

torch.manual_seed(1)
model = MyNoisyModule()
print(model)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.015)
torch.manual_seed(1)
loss_hist_train = [0] * num_epochs
accuracy_hist_train = [0] * num_epochs
loss_hist_valid = [0] * num_epochs
accuracy_hist_valid = [0] * num_epochs
for epoch in range(num_epochs):
    for x_batch, y_batch in train_dl:
        pred = model(x_batch, True)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist_train[epoch] += loss.item()
        is_correct = ((pred>=0.5).float() == y_batch).float()
        accuracy_hist_train[epoch] += is_correct.mean()
    loss_hist_train[epoch] /= n_train/batch_size
    accuracy_hist_train[epoch] /= n_train/batch_size
    pred = model(x_valid)[:, 0]
    loss = loss_fn(pred, y_valid)
    loss_hist_valid[epoch] = loss.item()
    is_correct = ((pred>=0.5).float() == y_valid).float()
    accuracy_hist_valid[epoch] += is_correct.mean()
show((loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid))
'''


FUEL_AND_DIGITS = r'''
import numpy as np
import torch
import torch.nn as nn
from torch.nn.functional import one_hot
from torch.utils.data import DataLoader, TensorDataset

# Project one - predicting the fuel efficiency of a car: a stand-in for the Auto MPG table (pandas' DataFrame as a
# dict of NumPy columns; train_test_split and describe() as the few NumPy lines they stand for)
column_names = ['MPG', 'Cylinders', 'Displacement', 'Horsepower', 'Weight',
                'Acceleration', 'Model Year', 'Origin']
n = 120
cylinders = np.random.choice([4, 6, 8], n).astype(float)
df = {'Cylinders': cylinders,
      'Displacement': 40 * cylinders + 20 * np.random.randn(n),
      'Horsepower': 15 * cylinders + 10 * np.random.randn(n),
      'Weight': 2000 + 250 * cylinders + 200 * np.random.randn(n),
      'Acceleration': 15 + 2 * np.random.randn(n),
      'Model Year': np.random.randint(70, 83, n),
      'Origin': np.random.randint(1, 4, n)}
df['MPG'] = 50 - 3 * cylinders - 0.003 * df['Weight'] + 0.3 * (df['Model Year'] - 70) + np.random.randn(n)
order = np.random.permutation(n)
df_train = {k: v[order[:96]] for k, v in df.items()}
df_test = {k: v[order[96:]] for k, v in df.items()}

numeric_column_names = ['Cylinders', 'Displacement', 'Horsepower', 'Weight', 'Acceleration']
df_train_norm, df_test_norm = dict(df_train), dict(df_test)
for col_name in numeric_column_names:
    mean = df_train[col_name].mean()
    std  = df_train[col_name].std(ddof=1)
    df_train_norm[col_name] = (df_train_norm[col_name] - mean)/std
    df_test_norm[col_name] = (df_test_norm[col_name] - mean)/std

boundaries = torch.tensor([73, 76, 79])
v = torch.tensor(df_train_norm['Model Year'])
df_train_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)
v = torch.tensor(df_test_norm['Model Year'])
df_test_norm['Model Year Bucketed'] = torch.bucketize(v, boundaries, right=True)
print(df_train_norm['Model Year Bucketed'][:10], df_train_norm['Model Year Bucketed'].dtype == torch.int64)
numeric_column_names.append('Model Year Bucketed')

def values(frame, names):  # df[names].values: the columns side by side, as one float64 array
    return np.stack([np.asarray(frame[name], dtype=float) for name in names], axis=1)

total_origin = len(set(df_train_norm['Origin']))
origin_encoded = one_hot(torch.from_numpy(df_train_norm['Origin']) % total_origin)
x_train_numeric = torch.tensor(values(df_train_norm, numeric_column_names))
x_train = torch.cat([x_train_numeric, origin_encoded], 1).float()
origin_encoded = one_hot(torch.from_numpy(df_test_norm['Origin']) % total_origin)
x_test_numeric = torch.tensor(values(df_test_norm, numeric_column_names))
x_test = torch.cat([x_test_numeric, origin_encoded], 1).float()
print(x_train[:3], x_train.dtype == torch.float32)
y_train = torch.tensor(df_train_norm['MPG']).float()
y_test = torch.tensor(df_test_norm['MPG']).float()

train_ds = TensorDataset(x_train, y_train)
batch_size = 8
torch.manual_seed(1)
train_dl = DataLoader(train_ds, batch_size, shuffle=True)

hidden_units = [8, 4]
input_size = x_train.shape[1]
all_layers = []
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit
all_layers.append(nn.Linear(hidden_units[-1], 1))
model = nn.Sequential(*all_layers)
print(model)

loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
torch.manual_seed(1)
num_epochs = 40
log_epochs = 10
for epoch in range(num_epochs):
    loss_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)[:, 0]
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_hist_train += loss.item()
    if epoch % log_epochs==0:
        print(f'Epoch {epoch}  Loss {loss_hist_train/len(train_dl):.4f}')

with torch.no_grad():
    pred = model(x_test.float())[:, 0]
    loss = loss_fn(pred, y_test)
    print(f'Test MSE: {loss.item():.4f}')
    print(f'Test MAE: {nn.L1Loss()(pred, y_test).item():.4f}')

# Project two - classifying MNIST hand-written digits: a stand-in for torchvision.datasets.MNIST with
# transforms.ToTensor(): 12 x 12 uint8 digits in .data, labels in .targets, items as 1 x 12 x 12 floats in [0, 1]
class MNIST(torch.utils.data.Dataset):
    def __init__(self, n):
        patterns = np.random.RandomState(7).randint(0, 256, (10, 12, 12))
        self.targets = torch.from_numpy(np.random.randint(0, 10, n))
        noise = np.random.randint(-60, 60, (n, 12, 12))
        self.data = torch.from_numpy(np.clip(patterns[self.targets.numpy()] + noise, 0, 255).astype(np.uint8))
    def __len__(self):
        return len(self.targets)
    def __getitem__(self, index):
        return self.data[index].unsqueeze(0).float() / 255., int(self.targets[index])

mnist_train_dataset = MNIST(256)
mnist_test_dataset = MNIST(64)
batch_size = 64
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, batch_size, shuffle=True)

hidden_units = [32, 16]
image_size = mnist_train_dataset[0][0].shape
input_size = image_size[0] * image_size[1] * image_size[2]
all_layers = [nn.Flatten()]
for hidden_unit in hidden_units:
    layer = nn.Linear(input_size, hidden_unit)
    all_layers.append(layer)
    all_layers.append(nn.ReLU())
    input_size = hidden_unit
all_layers.append(nn.Linear(hidden_units[-1], 10))
model = nn.Sequential(*all_layers)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
torch.manual_seed(1)
num_epochs = 5
for epoch in range(num_epochs):
    accuracy_hist_train = 0
    for x_batch, y_batch in train_dl:
        pred = model(x_batch)
        loss = loss_fn(pred, y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
        accuracy_hist_train += is_correct.sum()
    accuracy_hist_train /= len(train_dl.dataset)
    print(f'Epoch {epoch}  Accuracy {accuracy_hist_train:.4f}')

pred = model(mnist_test_dataset.data / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(f'Test accuracy: {is_correct.mean():.4f}')
'''


CNN = r'''
import torch
import numpy as np
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Subset
from torch.utils.data import DataLoader

# Determining the size of the convolution output
def conv1d(x, w, p=0, s=1):
    w_rot = np.array(w[::-1])
    x_padded = np.array(x)
    if p > 0:
        zero_pad = np.zeros(shape=p)
        x_padded = np.concatenate(
            [zero_pad, x_padded, zero_pad])
    res = []
    for i in range(0, int((len(x_padded) - len(w_rot))) + 1, s):
        res.append(np.sum(
            x_padded[i:i+w_rot.shape[0]] * w_rot))
    return np.array(res)

## Testing:
x = [1, 3, 2, 4, 5, 6, 1, 3]
w = [1, 0, 3, 1, 2]
print('Conv1d Implementation:', conv1d(x, w, p=2, s=1))
print('Numpy Results:', np.convolve(x, w, mode='same'))
# torch's conv1d is a cross-correlation: the same numbers with the kernel flipped
print('PyTorch Results:', F.conv1d(torch.tensor(x, dtype=torch.float64).view(1, 1, -1),
                                   torch.tensor(w[::-1], dtype=torch.float64).view(1, 1, -1), padding=2))
print('Strided:', conv1d(x, w, p=2, s=2),
      F.conv1d(torch.tensor([[x]], dtype=torch.float64), torch.tensor([[w[::-1]]], dtype=torch.float64),
               padding=2, stride=2))

# Performing a discrete convolution in 2D
def conv2d(X, W, p=(0, 0), s=(1, 1)):
    W_rot = np.array(W)[::-1,::-1]
    X_orig = np.array(X)
    n1 = X_orig.shape[0] + 2*p[0]
    n2 = X_orig.shape[1] + 2*p[1]
    X_padded = np.zeros(shape=(n1, n2))
    X_padded[p[0]:p[0]+X_orig.shape[0],
    p[1]:p[1]+X_orig.shape[1]] = X_orig
    res = []
    for i in range(0, int((X_padded.shape[0] -
                           W_rot.shape[0])/s[0])+1, s[0]):
        res.append([])
        for j in range(0, int((X_padded.shape[1] -
                               W_rot.shape[1])/s[1])+1, s[1]):
            X_sub = X_padded[i:i+W_rot.shape[0],
                             j:j+W_rot.shape[1]]
            res[-1].append(np.sum(X_sub * W_rot))
    return(np.array(res))

X = [[1, 3, 2, 4], [5, 6, 1, 3], [1, 2, 0, 2], [3, 4, 3, 2]]
W = [[1, 0, 3], [1, 2, 1], [0, 1, 1]]
print('Conv2d Implementation:\n', conv2d(X, W, p=(1, 1), s=(1, 1)))
print('PyTorch Results:\n', F.conv2d(torch.tensor(X, dtype=torch.float64)[None, None],
                                     torch.flip(torch.tensor(W, dtype=torch.float64), [0, 1])[None, None],
                                     padding=1)[0, 0])

# Subsampling layers: max- and mean-pooling by hand, and by nn.MaxPool2d/nn.AvgPool2d
def pool2d(X, size=2, reduce=np.max):
    X = np.array(X)
    return np.array([[reduce(X[i:i + size, j:j + size]) for j in range(0, X.shape[1], size)]
                     for i in range(0, X.shape[0], size)])

X_pool = np.random.randint(0, 10, (6, 6)).astype(float)
print(pool2d(X_pool), nn.MaxPool2d(kernel_size=2)(torch.tensor(X_pool)[None, None]))
print(pool2d(X_pool, reduce=np.mean), nn.AvgPool2d(kernel_size=2)(torch.tensor(X_pool)[None, None]))

# Working with multiple input or color channels: read_image's C x H x W uint8 tensor, a stand-in
img = torch.from_numpy(np.random.randint(0, 256, (3, 8, 8)).astype(np.uint8))
print('Image shape:', img.shape)
print('Number of channels:', img.shape[0])
print('Image data type:', img.dtype == torch.uint8)
print(img[:, 4:6, 4:6])

# Regularizing an NN with L2 regularization and dropout
loss_func = nn.BCELoss()
loss = loss_func(torch.tensor([0.9]), torch.tensor([1.0]))
l2_lambda = 0.001
conv_layer = nn.Conv2d(in_channels=3, out_channels=5, kernel_size=5)
l2_penalty = l2_lambda * sum([(p**2).sum() for p in conv_layer.parameters()])
loss_with_penalty = loss + l2_penalty
print(loss_with_penalty)
linear_layer = nn.Linear(10, 16)
l2_penalty = l2_lambda * sum([(p**2).sum() for p in linear_layer.parameters()])
loss_with_penalty = loss + l2_penalty
print(loss_with_penalty)

# Loss Functions for Classification
####### Binary Cross-entropy
logits = torch.tensor([0.8])
probas = torch.sigmoid(logits)
target = torch.tensor([1.0])
bce_loss_fn = nn.BCELoss()
bce_logits_loss_fn = nn.BCEWithLogitsLoss()
print(f'BCE (w Probas): {bce_loss_fn(probas, target):.4f}')
print(f'BCE (w Logits): {bce_logits_loss_fn(logits, target):.4f}')
####### Categorical Cross-entropy
logits = torch.tensor([[1.5, 0.8, 2.1]])
probas = torch.softmax(logits, dim=1)
target = torch.tensor([2])
cce_loss_fn = nn.NLLLoss()
cce_logits_loss_fn = nn.CrossEntropyLoss()
print(f'CCE (w Logits): {cce_logits_loss_fn(logits, target):.4f}')
print(f'CCE (w Probas): {cce_loss_fn(torch.log(probas), target):.4f}')

# Loading and preprocessing the data: a stand-in for MNIST with ToTensor(), 8 x 8 digits
class MNIST(torch.utils.data.Dataset):
    def __init__(self, n):
        patterns = np.random.RandomState(7).randint(0, 256, (10, 8, 8))
        self.targets = torch.from_numpy(np.random.randint(0, 10, n))
        noise = np.random.randint(-60, 60, (n, 8, 8))
        self.data = torch.from_numpy(np.clip(patterns[self.targets.numpy()] + noise, 0, 255).astype(np.uint8))
    def __len__(self):
        return len(self.targets)
    def __getitem__(self, index):
        return self.data[index].unsqueeze(0).float() / 255., int(self.targets[index])

mnist_dataset = MNIST(160)
mnist_valid_dataset = Subset(mnist_dataset, torch.arange(32))
mnist_train_dataset = Subset(mnist_dataset, torch.arange(32, len(mnist_dataset)))
mnist_test_dataset = MNIST(40)
batch_size = 64
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, batch_size, shuffle=True)
valid_dl = DataLoader(mnist_valid_dataset, batch_size, shuffle=False)

# Constructing a CNN in PyTorch
model = nn.Sequential()
model.add_module('conv1', nn.Conv2d(in_channels=1, out_channels=32, kernel_size=5, padding=2))
model.add_module('relu1', nn.ReLU())
model.add_module('pool1', nn.MaxPool2d(kernel_size=2))
model.add_module('conv2', nn.Conv2d(in_channels=32, out_channels=64, kernel_size=5, padding=2))
model.add_module('relu2', nn.ReLU())
model.add_module('pool2', nn.MaxPool2d(kernel_size=2))
x = torch.ones((4, 1, 8, 8))
print(model(x).shape)
model.add_module('flatten', nn.Flatten())
x = torch.ones((4, 1, 8, 8))
print(model(x).shape)
model.add_module('fc1', nn.Linear(256, 128))
model.add_module('relu3', nn.ReLU())
model.add_module('dropout', nn.Dropout(p=0.5))
model.add_module('fc2', nn.Linear(128, 10))
device = torch.device("cpu")
model = model.to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

def train(model, num_epochs, train_dl, valid_dl):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        model.train()
        for x_batch, y_batch in train_dl:
            x_batch = x_batch.to(device)
            y_batch = y_batch.to(device)
            pred = model(x_batch)
            loss = loss_fn(pred, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()*y_batch.size(0)
            is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.sum().cpu()
        loss_hist_train[epoch] /= len(train_dl.dataset)
        accuracy_hist_train[epoch] /= len(train_dl.dataset)
        model.eval()
        with torch.no_grad():
            for x_batch, y_batch in valid_dl:
                x_batch = x_batch.to(device)
                y_batch = y_batch.to(device)
                pred = model(x_batch)
                loss = loss_fn(pred, y_batch)
                loss_hist_valid[epoch] += loss.item()*y_batch.size(0)
                is_correct = (torch.argmax(pred, dim=1) == y_batch).float()
                accuracy_hist_valid[epoch] += is_correct.sum().cpu()
        loss_hist_valid[epoch] /= len(valid_dl.dataset)
        accuracy_hist_valid[epoch] /= len(valid_dl.dataset)
        print(f'Epoch {epoch+1} accuracy: {accuracy_hist_train[epoch]:.4f} '
              f'val_accuracy: {accuracy_hist_valid[epoch]:.4f}')
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid

torch.manual_seed(1)
num_epochs = 3
hist = train(model, num_epochs, train_dl, valid_dl)
print([f'{v:.4f}' for v in hist[0]], [f'{v:.4f}' for v in hist[1]])

model_cpu = model.cpu()
pred = model(mnist_test_dataset.data.unsqueeze(1) / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(f'Test accuracy: {is_correct.mean():.4f}')
for i in range(6):
    img = mnist_test_dataset[i][0][0, :, :]
    pred = model(img.unsqueeze(0).unsqueeze(1))
    y_pred = torch.argmax(pred)
    print(y_pred.item(), end=' ')
print()
'''


SMILE_CNN = r'''
import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np
from torch.utils.data import DataLoader
from torch.utils.data import Subset

# Loading the CelebA dataset: a stand-in of 3 x 22 x 18 images (CelebA's 218 x 178, a tenth) whose 40 attributes
# hold the smile at index 18; the transforms as the tensor code they stand for (torchvision's RandomCrop,
# RandomHorizontalFlip, CenterCrop, Resize and ToTensor), their random draws from torch as torchvision's are
class CelebA(torch.utils.data.Dataset):
    def __init__(self, n, transform=None, target_transform=None):
        self.images = np.random.randint(0, 256, (n, 22, 18, 3)).astype(np.uint8)
        self.attr = torch.from_numpy(np.random.randint(0, 2, (n, 40)))
        self.transform, self.target_transform = transform, target_transform
    def __len__(self):
        return len(self.images)
    def __getitem__(self, index):
        img, attr = self.images[index], self.attr[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            attr = self.target_transform(attr)
        return img, attr

def to_tensor(img):
    return torch.from_numpy(img.transpose(2, 0, 1).copy()).float() / 255.

def random_crop(size):
    def crop(img):
        i = torch.randint(0, img.shape[1] - size[0] + 1, size=(1,)).item()
        j = torch.randint(0, img.shape[2] - size[1] + 1, size=(1,)).item()
        return img[:, i:i + size[0], j:j + size[1]]
    return crop

def random_horizontal_flip(img):
    if torch.rand(1) < 0.5:
        return torch.flip(img, dims=[2])
    return img

def center_crop(size):
    def crop(img):
        i, j = (img.shape[1] - size[0]) // 2, (img.shape[2] - size[1]) // 2
        return img[:, i:i + size[0], j:j + size[1]]
    return crop

def resize(size):
    def scale(img):
        return F.interpolate(img.unsqueeze(0), size=size, mode='bilinear', align_corners=False)[0]
    return scale

def compose(transforms):
    def apply(img):
        for t in transforms:
            img = t(img)
        return img
    return apply

get_smile = lambda attr: attr[18]
transform_train = compose([
    to_tensor,
    random_crop([18, 18]),
    random_horizontal_flip,
    resize([16, 16]),
])
transform = compose([
    to_tensor,
    center_crop([18, 18]),
    resize([16, 16]),
])

celeba_train_dataset = CelebA(96, transform=transform_train, target_transform=get_smile)
torch.manual_seed(1)
data_loader = DataLoader(celeba_train_dataset, batch_size=2)
for j in range(3):
    img_batch, label_batch = next(iter(data_loader))
    img = img_batch[0]
    print(f'Epoch {j}:', img.permute(1, 2, 0)[0, :3], label_batch)

celeba_valid_dataset = CelebA(48, transform=transform, target_transform=get_smile)
celeba_test_dataset = CelebA(48, transform=transform, target_transform=get_smile)
celeba_train_dataset = Subset(celeba_train_dataset, torch.arange(48))
celeba_valid_dataset = Subset(celeba_valid_dataset, torch.arange(16))
print('Train set:', len(celeba_train_dataset))
print('Validation set:', len(celeba_valid_dataset))
batch_size = 16
torch.manual_seed(1)
train_dl = DataLoader(celeba_train_dataset, batch_size, shuffle=True)
valid_dl = DataLoader(celeba_valid_dataset, batch_size, shuffle=False)
test_dl = DataLoader(celeba_test_dataset, batch_size, shuffle=False)

# Training a CNN Smile classifier
model = nn.Sequential()
model.add_module('conv1', nn.Conv2d(in_channels=3, out_channels=32, kernel_size=3, padding=1))
model.add_module('relu1', nn.ReLU())
model.add_module('pool1', nn.MaxPool2d(kernel_size=2))
model.add_module('dropout1', nn.Dropout(p=0.5))
model.add_module('conv2', nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, padding=1))
model.add_module('relu2', nn.ReLU())
model.add_module('pool2', nn.MaxPool2d(kernel_size=2))
model.add_module('dropout2', nn.Dropout(p=0.5))
model.add_module('conv3', nn.Conv2d(in_channels=64, out_channels=128, kernel_size=3, padding=1))
model.add_module('relu3', nn.ReLU())
model.add_module('pool3', nn.MaxPool2d(kernel_size=2))
model.add_module('conv4', nn.Conv2d(in_channels=128, out_channels=256, kernel_size=3, padding=1))
model.add_module('relu4', nn.ReLU())
x = torch.ones((4, 3, 16, 16))
print(model(x).shape)
model.add_module('pool4', nn.AvgPool2d(kernel_size=2))
model.add_module('flatten', nn.Flatten())
x = torch.ones((4, 3, 16, 16))
print(model(x).shape)
model.add_module('fc', nn.Linear(256, 1))
model.add_module('sigmoid', nn.Sigmoid())
x = torch.ones((4, 3, 16, 16))
print(model(x).shape)
print(model)
device = torch.device("cpu")
model = model.to(device)

loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

def train(model, num_epochs, train_dl, valid_dl):
    loss_hist_train = [0] * num_epochs
    accuracy_hist_train = [0] * num_epochs
    loss_hist_valid = [0] * num_epochs
    accuracy_hist_valid = [0] * num_epochs
    for epoch in range(num_epochs):
        model.train()
        for x_batch, y_batch in train_dl:
            x_batch = x_batch.to(device)
            y_batch = y_batch.to(device)
            pred = model(x_batch)[:, 0]
            loss = loss_fn(pred, y_batch.float())
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss_hist_train[epoch] += loss.item()*y_batch.size(0)
            is_correct = ((pred>=0.5).float() == y_batch).float()
            accuracy_hist_train[epoch] += is_correct.sum().cpu()
        loss_hist_train[epoch] /= len(train_dl.dataset)
        accuracy_hist_train[epoch] /= len(train_dl.dataset)
        model.eval()
        with torch.no_grad():
            for x_batch, y_batch in valid_dl:
                x_batch = x_batch.to(device)
                y_batch = y_batch.to(device)
                pred = model(x_batch)[:, 0]
                loss = loss_fn(pred, y_batch.float())
                loss_hist_valid[epoch] += loss.item()*y_batch.size(0)
                is_correct = ((pred>=0.5).float() == y_batch).float()
                accuracy_hist_valid[epoch] += is_correct.sum().cpu()
        loss_hist_valid[epoch] /= len(valid_dl.dataset)
        accuracy_hist_valid[epoch] /= len(valid_dl.dataset)
        print(f'Epoch {epoch+1} accuracy: {accuracy_hist_train[epoch]:.4f} '
              f'val_accuracy: {accuracy_hist_valid[epoch]:.4f} loss: {loss_hist_train[epoch]:.4f}')
    return loss_hist_train, loss_hist_valid, accuracy_hist_train, accuracy_hist_valid

torch.manual_seed(1)
num_epochs = 2
hist = train(model, num_epochs, train_dl, valid_dl)

accuracy_test = 0
model.eval()
with torch.no_grad():
    for x_batch, y_batch in test_dl:
        x_batch = x_batch.to(device)
        y_batch = y_batch.to(device)
        pred = model(x_batch)[:, 0]
        is_correct = ((pred>=0.5).float() == y_batch).float()
        accuracy_test += is_correct.sum().cpu()
accuracy_test /= len(test_dl.dataset)
print(f'Test accuracy: {accuracy_test:.4f}')
pred = model(x_batch)[:, 0] * 100
for j in range(10, 14):  # the last test batch
    if y_batch[j] == 1:
        label = 'Smile'
    else:
        label = 'Not Smile'
    print(f'GT: {label:s}\nPr(Smile)={pred[j]:.0f}%')
'''


RNN = r'''
import torch
import torch.nn as nn

torch.manual_seed(1)
rnn_layer = nn.RNN(input_size=5, hidden_size=2, num_layers=1, batch_first=True)
w_xh = rnn_layer.weight_ih_l0
w_hh = rnn_layer.weight_hh_l0
b_xh = rnn_layer.bias_ih_l0
b_hh = rnn_layer.bias_hh_l0
print('W_xh shape:', w_xh.shape)
print('W_hh shape:', w_hh.shape)
print('b_xh shape:', b_xh.shape)
print('b_hh shape:', b_hh.shape)

x_seq = torch.tensor([[1.0]*5, [2.0]*5, [3.0]*5]).float()
## output of the simple RNN:
output, hn = rnn_layer(torch.reshape(x_seq, (1, 3, 5)))
## manually computing the output:
out_man = []
for t in range(3):
    xt = torch.reshape(x_seq[t], (1, 5))
    print(f'Time step {t} =>')
    print('   Input           :', xt.numpy())
    ht = torch.matmul(xt, torch.transpose(w_xh, 0, 1)) + b_xh
    print('   Hidden          :', ht.detach().numpy())
    if t>0:
        prev_h = out_man[t-1]
    else:
        prev_h = torch.zeros((ht.shape))
    ot = ht + torch.matmul(prev_h, torch.transpose(w_hh, 0, 1)) + b_hh
    ot = torch.tanh(ot)
    out_man.append(ot)
    print('   Output (manual) :', ot.detach().numpy())
    print('   RNN output      :', output[:, t].detach().numpy())
    print()
print(torch.allclose(torch.stack(out_man, dim=1), output), torch.allclose(hn[0], out_man[-1]))
'''


SENTIMENT_LSTM = r'''
import torch
import torch.nn as nn
from torch.utils.data.dataset import random_split
import re
import random
from collections import Counter, OrderedDict
from torch.utils.data import DataLoader

# Step 1: load and create the datasets. A stand-in for torchtext's IMDB: (label, review) pairs from a tiny grammar
def IMDB(split, n=None):
    rng = random.Random(0 if split == 'train' else 1)
    good = ['great', 'wonderful', 'moving', 'funny', 'brilliant', 'superb']
    bad = ['boring', 'awful', 'dull', 'silly', 'terrible', 'weak']
    neutral = ['the', 'movie', 'plot', 'was', 'and', 'actors', 'a', 'story', 'film', 'really', 'this', 'is', 'an']
    reviews = []
    for _ in range(n or (120 if split == 'train' else 40)):
        label = rng.choice(['pos', 'neg'])
        words = [rng.choice(neutral + (good if label == 'pos' else bad)) for _ in range(rng.randint(3, 12))]
        text = ' '.join(words) + rng.choice(['.', ' :)', ' :-(', '<br />!'])
        reviews.append((label, text))
    return reviews

train_dataset = IMDB(split='train')
test_dataset = IMDB(split='test')
torch.manual_seed(1)
train_dataset, valid_dataset = random_split(
    list(train_dataset), [100, 20])

## Step 2: find unique tokens (words)
token_counts = Counter()
def tokenizer(text):
    text = re.sub('<[^>]*>', '', text)
    emoticons = re.findall(r'(?::|;|=)(?:-)?(?:\)|\(|D|P)', text.lower())
    text = re.sub(r'[\W]+', ' ', text.lower()) + ' '.join(emoticons).replace('-', '')
    tokenized = text.split()
    return tokenized

for label, line in train_dataset:
    tokens = tokenizer(line)
    token_counts.update(tokens)
print('Vocab-size:', len(token_counts))

## Step 3: encoding each unique token into integers
sorted_by_freq_tuples = sorted(token_counts.items(), key=lambda x: x[1], reverse=True)
ordered_dict = OrderedDict(sorted_by_freq_tuples)

class vocab:  # a stand-in for torchtext.vocab.vocab: tokens to indices, with a default index
    def __init__(self, ordered_dict):
        self.itos = list(ordered_dict)
        self.default = None
    def insert_token(self, token, index):
        self.itos.insert(index, token)
    def set_default_index(self, index):
        self.default = index
    def __getitem__(self, token):
        return self.itos.index(token) if token in self.itos else self.default
    def __len__(self):
        return len(self.itos)

vocab = vocab(ordered_dict)
vocab.insert_token("<pad>", 0)
vocab.insert_token("<unk>", 1)
vocab.set_default_index(1)
print([vocab[token] for token in ['this', 'is', 'an', 'example']])

## Step 3-A: define the functions for transformation
device = torch.device("cpu")
text_pipeline = lambda x: [vocab[token] for token in tokenizer(x)]
label_pipeline = lambda x: 1. if x == 'pos' else 0.

## Step 3-B: wrap the encode and transformation function
def collate_batch(batch):
    label_list, text_list, lengths = [], [], []
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text),
                                      dtype=torch.int64)
        text_list.append(processed_text)
        lengths.append(processed_text.size(0))
    label_list = torch.tensor(label_list)
    lengths = torch.tensor(lengths)
    padded_text_list = nn.utils.rnn.pad_sequence(
        text_list, batch_first=True)
    return padded_text_list.to(device), label_list.to(device), lengths.to(device)

## Take a small batch
dataloader = DataLoader(train_dataset, batch_size=4, shuffle=False, collate_fn=collate_batch)
text_batch, label_batch, length_batch = next(iter(dataloader))
print(text_batch)
print(label_batch)
print(length_batch)
print(text_batch.shape)

## Step 4: batching the datasets
batch_size = 32
train_dl = DataLoader(train_dataset, batch_size=batch_size,
                      shuffle=True, collate_fn=collate_batch)
valid_dl = DataLoader(valid_dataset, batch_size=batch_size,
                      shuffle=False, collate_fn=collate_batch)
test_dl = DataLoader(test_dataset, batch_size=batch_size,
                     shuffle=False, collate_fn=collate_batch)

# Embedding layers for sentence encoding
embedding = nn.Embedding(num_embeddings=10,
                         embedding_dim=3,
                         padding_idx=0)
# a batch of 2 samples of 4 indices each
text_encoded_input = torch.LongTensor([[1,2,4,5],[4,3,2,0]])
print(embedding(text_encoded_input))

## An example of building a RNN model with simple RNN layer
class RNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(input_size,
                          hidden_size,
                          num_layers=2,
                          batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        _, hidden = self.rnn(x)
        out = hidden[-1, :, :]
        out = self.fc(out)
        return out

model = RNN(64, 32)
print(model)
print(model(torch.randn(5, 3, 64)))

# Building an RNN model for the sentiment analysis task
class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size,
                                      embed_dim,
                                      padding_idx=0)
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True)
        self.fc1 = nn.Linear(rnn_hidden_size, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False,
                                                batch_first=True)
        out, (hidden, cell) = self.rnn(out)
        out = hidden[-1, :, :]
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out

vocab_size = len(vocab)
embed_dim = 20
rnn_hidden_size = 16
fc_hidden_size = 16
torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size)
model = model.to(device)

def train(dataloader):
    model.train()
    total_acc, total_loss = 0, 0
    for text_batch, label_batch, lengths in dataloader:
        optimizer.zero_grad()
        pred = model(text_batch, lengths)[:, 0]
        loss = loss_fn(pred, label_batch)
        loss.backward()
        optimizer.step()
        total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
        total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)

def evaluate(dataloader):
    model.eval()
    total_acc, total_loss = 0, 0
    with torch.no_grad():
        for text_batch, label_batch, lengths in dataloader:
            pred = model(text_batch, lengths)[:, 0]
            loss = loss_fn(pred, label_batch)
            total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
            total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)

loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
num_epochs = 4
torch.manual_seed(1)
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f} loss: {loss_train:.4f}')
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}')

# More on the bidirectional RNN
class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size,
                                      embed_dim,
                                      padding_idx=0)
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(rnn_hidden_size*2, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False,
                                                batch_first=True)
        _, (hidden, cell) = self.rnn(out)
        out = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out

torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size)
model = model.to(device)
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
torch.manual_seed(1)
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f} loss: {loss_train:.4f}')
test_dataset = IMDB(split='test')
test_dl = DataLoader(test_dataset, batch_size=batch_size,
                     shuffle=False, collate_fn=collate_batch)
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}')
'''


CHAR_LM = r'''
import numpy as np
import torch
from torch.utils.data import Dataset
from torch.utils.data import DataLoader
import torch.nn as nn
from torch.distributions.categorical import Categorical

## Reading and processing text: a stand-in for 1268-0.txt, The Mysterious Island
rng = np.random.RandomState(3)
words = ['the', 'island', 'engineer', 'sailor', 'balloon', 'sea', 'captain', 'rock', 'fire', 'was', 'of', 'and']
body = ' '.join(rng.choice(words, 300)).replace(' the ', ' The ')
with open('1268-0.txt', 'w', encoding="utf8") as fp:
    fp.write('Project Gutenberg header\nTHE MYSTERIOUS ISLAND\n' + body + '\nEnd of the Project Gutenberg EBook')
with open('1268-0.txt', 'r', encoding="utf8") as fp:
    text=fp.read()
start_indx = text.find('THE MYSTERIOUS ISLAND')
end_indx = text.find('End of the Project Gutenberg')
text = text[start_indx:end_indx]
char_set = set(text)
print('Total Length:', len(text))
print('Unique Characters:', len(char_set))

chars_sorted = sorted(char_set)
char2int = {ch:i for i,ch in enumerate(chars_sorted)}
char_array = np.array(chars_sorted)
text_encoded = np.array(
    [char2int[ch] for ch in text],
    dtype=np.int32)
print('Text encoded shape: ', text_encoded.shape)
print(text[:15], '     == Encoding ==> ', text_encoded[:15])
print(text_encoded[15:21], ' == Reverse  ==> ', ''.join(char_array[text_encoded[15:21]]))
for ex in text_encoded[:5]:
    print('{} -> {}'.format(ex, char_array[ex]))

seq_length = 20
chunk_size = seq_length + 1
text_chunks = [text_encoded[i:i+chunk_size]
               for i in range(len(text_encoded)-chunk_size+1)]
## inspection:
for seq in text_chunks[:1]:
    input_seq = seq[:seq_length]
    target = seq[seq_length]
    print(input_seq, ' -> ', target)
    print(repr(''.join(char_array[input_seq])),
          ' -> ', repr(''.join(char_array[target])))

class TextDataset(Dataset):
    def __init__(self, text_chunks):
        self.text_chunks = text_chunks

    def __len__(self):
        return len(self.text_chunks)

    def __getitem__(self, idx):
        text_chunk = self.text_chunks[idx]
        return text_chunk[:-1].long(), text_chunk[1:].long()

seq_dataset = TextDataset(torch.tensor(text_chunks))
for i, (seq, target) in enumerate(seq_dataset):
    print(' Input (x):', repr(''.join(char_array[seq])))
    print('Target (y):', repr(''.join(char_array[target])))
    print()
    if i == 1:
        break

device = torch.device("cpu")
batch_size = 16
torch.manual_seed(1)
seq_dl = DataLoader(seq_dataset, batch_size=batch_size, shuffle=True, drop_last=True)

# Building a character-level RNN model
class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn_hidden_size = rnn_hidden_size
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size,
                           batch_first=True)
        self.fc = nn.Linear(rnn_hidden_size, vocab_size)

    def forward(self, x, hidden, cell):
        out = self.embedding(x).unsqueeze(1)
        out, (hidden, cell) = self.rnn(out, (hidden, cell))
        out = self.fc(out).reshape(out.size(0), -1)
        return out, hidden, cell

    def init_hidden(self, batch_size):
        hidden = torch.zeros(1, batch_size, self.rnn_hidden_size)
        cell = torch.zeros(1, batch_size, self.rnn_hidden_size)
        return hidden.to(device), cell.to(device)

vocab_size = len(char_array)
embed_dim = 16
rnn_hidden_size = 32
torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size)
model = model.to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
num_epochs = 30
torch.manual_seed(1)
for epoch in range(num_epochs):
    hidden, cell = model.init_hidden(batch_size)
    seq_batch, target_batch = next(iter(seq_dl))
    seq_batch = seq_batch.to(device)
    target_batch = target_batch.to(device)
    optimizer.zero_grad()
    loss = 0
    for c in range(seq_length):
        pred, hidden, cell = model(seq_batch[:, c], hidden, cell)
        loss += loss_fn(pred, target_batch[:, c])
    loss.backward()
    optimizer.step()
    loss = loss.item()/seq_length
    if epoch % 5 == 0:
        print(f'Epoch {epoch} loss: {loss:.4f}')

# Evaluation phase: generating new text passages
torch.manual_seed(1)
logits = torch.tensor([[1.0, 1.0, 1.0]])
print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])
m = Categorical(logits=logits)
samples = m.sample((10,))
print(samples.numpy())
torch.manual_seed(1)
logits = torch.tensor([[1.0, 1.0, 3.0]])
print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])
m = Categorical(logits=logits)
samples = m.sample((10,))
print(samples.numpy())

def sample(model, starting_str,
           len_generated_text=500,
           scale_factor=1.0):
    encoded_input = torch.tensor([char2int[s] for s in starting_str])
    encoded_input = torch.reshape(encoded_input, (1, -1))
    generated_str = starting_str
    model.eval()
    hidden, cell = model.init_hidden(1)
    hidden = hidden.to('cpu')
    cell = cell.to('cpu')
    for c in range(len(starting_str)-1):
        _, hidden, cell = model(encoded_input[:, c].view(1), hidden, cell)
    last_char = encoded_input[:, -1]
    for i in range(len_generated_text):
        logits, hidden, cell = model(last_char.view(1), hidden, cell)
        logits = torch.squeeze(logits, 0)
        scaled_logits = logits * scale_factor
        m = Categorical(logits=scaled_logits)
        last_char = m.sample()
        generated_str += str(char_array[last_char])
    return generated_str

torch.manual_seed(1)
model.to('cpu')
print(sample(model, starting_str='The island', len_generated_text=40))
# Predictability vs. randomness
logits = torch.tensor([[1.0, 1.0, 3.0]])
print('Probabilities before scaling:        ', nn.functional.softmax(logits, dim=1).numpy()[0])
print('Probabilities after scaling with 0.5:', nn.functional.softmax(0.5*logits, dim=1).numpy()[0])
print('Probabilities after scaling with 0.1:', nn.functional.softmax(0.1*logits, dim=1).numpy()[0])
torch.manual_seed(1)
print(sample(model, starting_str='The island', len_generated_text=40,
             scale_factor=2.0))
torch.manual_seed(1)
print(sample(model, starting_str='The island', len_generated_text=40,
             scale_factor=0.5))
'''


ATTENTION = r'''
import torch
import torch.nn.functional as F

# Starting with a basic form of self-attention
# input sequence / sentence:
#  "Can you help me to translate this sentence"
sentence = torch.tensor(
    [0, # can
     7, # you
     1, # help
     2, # me
     5, # to
     6, # translate
     4, # this
     3] # sentence
)
print(sentence)
torch.manual_seed(123)
embed = torch.nn.Embedding(10, 16)
embedded_sentence = embed(sentence).detach()
print(embedded_sentence.shape)

omega = torch.empty(8, 8)
for i, x_i in enumerate(embedded_sentence):
    for j, x_j in enumerate(embedded_sentence):
        omega[i, j] = torch.dot(x_i, x_j)
omega_mat = embedded_sentence.matmul(embedded_sentence.T)
print(torch.allclose(omega_mat, omega))
attention_weights = F.softmax(omega, dim=1)
print(attention_weights.shape)
print(attention_weights.sum(dim=1))
print(attention_weights)

x_2 = embedded_sentence[1, :]
context_vec_2 = torch.zeros(x_2.shape)
for j in range(8):
    x_j = embedded_sentence[j, :]
    context_vec_2 += attention_weights[1, j] * x_j
print(context_vec_2)
context_vectors = torch.matmul(
        attention_weights, embedded_sentence)
print(torch.allclose(context_vec_2, context_vectors[1]))

# Parameterizing the self-attention mechanism: scaled dot-product attention
torch.manual_seed(123)
d = embedded_sentence.shape[1]
U_query = torch.rand(d, d)
U_key = torch.rand(d, d)
U_value = torch.rand(d, d)
x_2 = embedded_sentence[1]
query_2 = U_query.matmul(x_2)
key_2 = U_key.matmul(x_2)
value_2 = U_value.matmul(x_2)
keys = U_key.matmul(embedded_sentence.T).T
print(torch.allclose(key_2, keys[1]))
values = U_value.matmul(embedded_sentence.T).T
print(torch.allclose(value_2, values[1]))
omega_23 = query_2.dot(keys[2])
print(omega_23)
omega_2 = query_2.matmul(keys.T)
print(omega_2)
attention_weights_2 = F.softmax(omega_2 / d**0.5, dim=0)
print(attention_weights_2)
context_vector_2nd = torch.zeros(values[1, :].shape)
for j in range(8):
    context_vector_2nd += attention_weights_2[j] * values[j, :]
context_vector_2 = attention_weights_2.matmul(values)
print(context_vector_2, torch.allclose(context_vector_2nd, context_vector_2))

# Encoding context embeddings via multi-head attention
torch.manual_seed(123)
d = embedded_sentence.shape[1]
one_U_query = torch.rand(d, d)
h = 8
multihead_U_query = torch.rand(h, d, d)
multihead_U_key = torch.rand(h, d, d)
multihead_U_value = torch.rand(h, d, d)
multihead_query_2 = multihead_U_query.matmul(x_2)
print(multihead_query_2.shape)
multihead_key_2 = multihead_U_key.matmul(x_2)
multihead_value_2 = multihead_U_value.matmul(x_2)
print(multihead_key_2[2])
stacked_inputs = embedded_sentence.T.repeat(8, 1, 1)
print(stacked_inputs.shape)
multihead_keys = torch.bmm(multihead_U_key, stacked_inputs)
print(multihead_keys.shape)
multihead_keys = multihead_keys.permute(0, 2, 1)
print(multihead_keys.shape)
print(multihead_keys[2, 1]) # index: [2nd attention head, 2nd key]
multihead_values = torch.matmul(multihead_U_value, stacked_inputs)
multihead_values = multihead_values.permute(0, 2, 1)
# the context vectors of the 2nd input, one per head (the book leaves them as torch.rand(8, 16))
multihead_z_2 = torch.stack([F.softmax(multihead_query_2[i].matmul(multihead_keys[i].T) / d**0.5, dim=0)
                             .matmul(multihead_values[i]) for i in range(h)])
print(multihead_z_2.shape, multihead_z_2[0, :4])
linear = torch.nn.Linear(8*16, 16)
context_vector_2 = linear(multihead_z_2.flatten())
print(context_vector_2.shape, context_vector_2)

# the same attention by PyTorch's own layers: scaled_dot_product_attention, and a TransformerEncoderLayer
queries = embedded_sentence.matmul(U_query.T)
print(torch.allclose(F.scaled_dot_product_attention(queries, keys, values)[1], attention_weights_2.matmul(values),
                     atol=1e-5))
torch.manual_seed(123)
encoder_layer = torch.nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0,
                                                 batch_first=True)
encoder = torch.nn.TransformerEncoder(encoder_layer, num_layers=2, enable_nested_tensor=False)
encoded = encoder(embedded_sentence.unsqueeze(0))
print(encoded.shape, encoded[0, :2])
mask = torch.nn.Transformer.generate_square_subsequent_mask(8)
print(mask)
print(encoder(embedded_sentence.unsqueeze(0), mask=mask, is_causal=True)[0, -1])
'''


GAN = r'''
import torch
import torch.nn as nn
import numpy as np
from torch.utils.data import DataLoader
import math

print("GPU Available:", torch.cuda.is_available())
if torch.cuda.is_available():
    device = torch.device("cuda:0")
else:
    device = "cpu"

## define a function for the generator:
def make_generator_network(
        input_size=20,
        num_hidden_layers=1,
        num_hidden_units=100,
        num_output_units=784):
    model = nn.Sequential()
    for i in range(num_hidden_layers):
        model.add_module(f'fc_g{i}',
                         nn.Linear(input_size,
                                   num_hidden_units))
        model.add_module(f'relu_g{i}',
                         nn.LeakyReLU())
        input_size = num_hidden_units
    model.add_module(f'fc_g{num_hidden_layers}',
                    nn.Linear(input_size, num_output_units))
    model.add_module('tanh_g', nn.Tanh())
    return model

## define a function for the discriminator:
def make_discriminator_network(
        input_size,
        num_hidden_layers=1,
        num_hidden_units=100,
        num_output_units=1):
    model = nn.Sequential()
    for i in range(num_hidden_layers):
        model.add_module(f'fc_d{i}',
                 nn.Linear(input_size,
                           num_hidden_units, bias=False))
        model.add_module(f'relu_d{i}',
                         nn.LeakyReLU())
        model.add_module('dropout', nn.Dropout(p=0.5))
        input_size = num_hidden_units
    model.add_module(f'fc_d{num_hidden_layers}',
                     nn.Linear(input_size, num_output_units))
    model.add_module('sigmoid', nn.Sigmoid())
    return model

image_size = (8, 8)
z_size = 20
gen_hidden_layers = 1
gen_hidden_size = 32
disc_hidden_layers = 1
disc_hidden_size = 32
torch.manual_seed(1)
gen_model = make_generator_network(
    input_size=z_size,
    num_hidden_layers=gen_hidden_layers,
    num_hidden_units=gen_hidden_size,
    num_output_units=np.prod(image_size))
print(gen_model)
disc_model = make_discriminator_network(
    input_size=np.prod(image_size),
    num_hidden_layers=disc_hidden_layers,
    num_hidden_units=disc_hidden_size)
print(disc_model)

# Defining the training dataset: a stand-in for MNIST with ToTensor() and Normalize(mean=(0.5), std=(0.5))
class MNIST(torch.utils.data.Dataset):
    def __init__(self, n):
        self.data = np.random.randint(0, 256, (n, *image_size)).astype(np.uint8)
        self.targets = np.random.randint(0, 10, n)
    def __len__(self):
        return len(self.data)
    def __getitem__(self, index):
        img = torch.from_numpy(self.data[index]).unsqueeze(0).float() / 255.
        return (img - 0.5) / 0.5, int(self.targets[index])

mnist_dataset = MNIST(96)
example, label = next(iter(mnist_dataset))
print(f'Min: {example.min()} Max: {example.max()}')
print(example.shape)

def create_noise(batch_size, z_size, mode_z):
    if mode_z == 'uniform':
        input_z = torch.rand(batch_size, z_size)*2 - 1
    elif mode_z == 'normal':
        input_z = torch.randn(batch_size, z_size)
    return input_z

batch_size = 32
dataloader = DataLoader(mnist_dataset, batch_size, shuffle=False)
input_real, label = next(iter(dataloader))
input_real = input_real.view(batch_size, -1)
torch.manual_seed(1)
mode_z = 'uniform'  # 'uniform' vs. 'normal'
input_z = create_noise(batch_size, z_size, mode_z)
print('input-z -- shape:', input_z.shape)
print('input-real -- shape:', input_real.shape)
g_output = gen_model(input_z)
print('Output of G -- shape:', g_output.shape)
d_proba_real = disc_model(input_real)
d_proba_fake = disc_model(g_output)
print('Disc. (real) -- shape:', d_proba_real.shape)
print('Disc. (fake) -- shape:', d_proba_fake.shape)

# Training the GAN model
loss_fn = nn.BCELoss()
## Loss for the Generator
g_labels_real = torch.ones_like(d_proba_fake)
g_loss = loss_fn(d_proba_fake, g_labels_real)
print(f'Generator Loss: {g_loss:.4f}')
## Loss for the Discriminator
d_labels_real = torch.ones_like(d_proba_real)
d_labels_fake = torch.zeros_like(d_proba_fake)
d_loss_real = loss_fn(d_proba_real, d_labels_real)
d_loss_fake = loss_fn(d_proba_fake, d_labels_fake)
print(f'Discriminator Losses: Real {d_loss_real:.4f} Fake {d_loss_fake:.4f}')

# Final training
batch_size = 32
torch.manual_seed(1)
np.random.seed(1)
## Set up the dataset
mnist_dl = DataLoader(mnist_dataset, batch_size=batch_size,
                      shuffle=True, drop_last=True)
## Set up the models
gen_model = make_generator_network(
    input_size=z_size,
    num_hidden_layers=gen_hidden_layers,
    num_hidden_units=gen_hidden_size,
    num_output_units=np.prod(image_size)).to(device)
disc_model = make_discriminator_network(
    input_size=np.prod(image_size),
    num_hidden_layers=disc_hidden_layers,
    num_hidden_units=disc_hidden_size).to(device)
## Loss function and optimizers:
loss_fn = nn.BCELoss()
g_optimizer = torch.optim.Adam(gen_model.parameters())
d_optimizer = torch.optim.Adam(disc_model.parameters())

## Train the discriminator
def d_train(x):
    disc_model.zero_grad()
    # Train discriminator with a real batch
    batch_size = x.size(0)
    x = x.view(batch_size, -1).to(device)
    d_labels_real = torch.ones(batch_size, 1, device=device)
    d_proba_real = disc_model(x)
    d_loss_real = loss_fn(d_proba_real, d_labels_real)
    # Train discriminator on a fake batch
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_output = gen_model(input_z)
    d_proba_fake = disc_model(g_output)
    d_labels_fake = torch.zeros(batch_size, 1, device=device)
    d_loss_fake = loss_fn(d_proba_fake, d_labels_fake)
    # gradient backprop & optimize ONLY D's parameters
    d_loss = d_loss_real + d_loss_fake
    d_loss.backward()
    d_optimizer.step()
    return d_loss.data.item(), d_proba_real.detach(), d_proba_fake.detach()

## Train the generator
def g_train(x):
    gen_model.zero_grad()
    batch_size = x.size(0)
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_labels_real = torch.ones(batch_size, 1, device=device)
    g_output = gen_model(input_z)
    d_proba_fake = disc_model(g_output)
    g_loss = loss_fn(d_proba_fake, g_labels_real)
    # gradient backprop & optimize ONLY G's parameters
    g_loss.backward()
    g_optimizer.step()
    return g_loss.data.item()

fixed_z = create_noise(batch_size, z_size, mode_z).to(device)
def create_samples(g_model, input_z):
    g_output = g_model(input_z)
    images = torch.reshape(g_output, (batch_size, *image_size))
    return (images+1)/2.0

epoch_samples = []
all_d_losses = []
all_g_losses = []
all_d_real = []
all_d_fake = []
num_epochs = 5
torch.manual_seed(1)
for epoch in range(1, num_epochs+1):
    d_losses, g_losses = [], []
    d_vals_real, d_vals_fake = [], []
    for i, (x, _) in enumerate(mnist_dl):
        d_loss, d_proba_real, d_proba_fake = d_train(x)
        d_losses.append(d_loss)
        g_losses.append(g_train(x))
        d_vals_real.append(d_proba_real.mean().cpu())
        d_vals_fake.append(d_proba_fake.mean().cpu())
    all_d_losses.append(torch.tensor(d_losses).mean())
    all_g_losses.append(torch.tensor(g_losses).mean())
    all_d_real.append(torch.tensor(d_vals_real).mean())
    all_d_fake.append(torch.tensor(d_vals_fake).mean())
    print(f'Epoch {epoch:03d} | Avg Losses >>'
          f' G/D {all_g_losses[-1]:.4f}/{all_d_losses[-1]:.4f}'
          f' [D-Real: {all_d_real[-1]:.4f} D-Fake: {all_d_fake[-1]:.4f}]')
    epoch_samples.append(
        create_samples(gen_model, fixed_z).detach().cpu().numpy())
print(epoch_samples[-1][0, :2])
half_d_losses = [all_d_loss/2 for all_d_loss in all_d_losses]
print(half_d_losses)

# the maximum mean discrepancy score (the book's distance moves X and Y to the GPU with .cuda())
def distance(X, Y, sqrt):
    nX = X.size(0)
    nY = Y.size(0)
    X = X.view(nX,-1)
    X2 = (X*X).sum(1).resize_(nX,1)
    Y = Y.view(nY,-1)
    Y2 = (Y*Y).sum(1).resize_(nY,1)
    M = torch.zeros(nX, nY)
    M.copy_(X2.expand(nX,nY) + Y2.expand(nY,nX).transpose(0,1) - 2*torch.mm(X,Y.transpose(0,1)))
    del X, X2, Y, Y2
    if sqrt:
        M = ((M+M.abs())/2).sqrt()
    return M

def mmd(Mxx, Mxy, Myy, sigma) :
    scale = Mxx.mean()
    Mxx = torch.exp(-Mxx/(scale*2*sigma*sigma))
    Mxy = torch.exp(-Mxy/(scale*2*sigma*sigma))
    Myy = torch.exp(-Myy/(scale*2*sigma*sigma))
    a = Mxx.mean()+Myy.mean()-2*Mxy.mean()
    mmd = math.sqrt(max(a, 0))
    return mmd

def compute_score(fake, real , k=1, sigma=1, sqrt=True):
    Mxx = distance(real, real, False)
    Mxy = distance(real, fake, False)
    Myy = distance(fake, fake, False)
    print(mmd(Mxx, Mxy, Myy, sigma))

whole_dl = DataLoader(mnist_dataset, batch_size=64,
                      shuffle=True, drop_last=True)
real_image = next(iter(whole_dl))[0]
compute_score(torch.from_numpy(epoch_samples[-1]), real_image)
print(distance(real_image[:3], real_image[3:5], True))
'''


DCGAN_WGAN = r'''
import torch
import torch.nn as nn
import numpy as np
from torch.utils.data import DataLoader
from torch.autograd import grad as torch_grad

if torch.cuda.is_available():
    device = torch.device("cuda:0")
else:
    device = "cpu"

# Train the DCGAN model: a stand-in for MNIST with ToTensor() and Normalize(mean=(0.5), std=(0.5)), 28 x 28
class MNIST(torch.utils.data.Dataset):
    def __init__(self, n):
        self.data = np.random.randint(0, 256, (n, 28, 28)).astype(np.uint8)
        self.targets = np.random.randint(0, 10, n)
    def __len__(self):
        return len(self.data)
    def __getitem__(self, index):
        img = torch.from_numpy(self.data[index]).unsqueeze(0).float() / 255.
        return (img - 0.5) / 0.5, int(self.targets[index])

mnist_dataset = MNIST(16)
batch_size = 8
torch.manual_seed(1)
np.random.seed(1)
## Set up the dataset
mnist_dl = DataLoader(mnist_dataset, batch_size=batch_size,
                      shuffle=True, drop_last=True)

def make_generator_network(input_size, n_filters):
    model = nn.Sequential(
        nn.ConvTranspose2d(input_size, n_filters*4, 4, 1, 0,
                           bias=False),
        nn.BatchNorm2d(n_filters*4),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters*4, n_filters*2, 3, 2, 1, bias=False),
        nn.BatchNorm2d(n_filters*2),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters*2, n_filters, 4, 2, 1, bias=False),
        nn.BatchNorm2d(n_filters),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters, 1, 4, 2, 1, bias=False),
        nn.Tanh())
    return model

class Discriminator(nn.Module):
    def __init__(self, n_filters):
        super(Discriminator, self).__init__()
        self.network = nn.Sequential(
            nn.Conv2d(1, n_filters, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters, n_filters*2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(n_filters * 2),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters*2, n_filters*4, 3, 2, 1, bias=False),
            nn.BatchNorm2d(n_filters*4),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters*4, 1, 4, 1, 0, bias=False),
            nn.Sigmoid())

    def forward(self, input):
        output = self.network(input)
        return output.view(-1, 1).squeeze(0)

z_size = 10
image_size = (28, 28)
n_filters = 4
gen_model = make_generator_network(z_size, n_filters).to(device)
print(gen_model)
disc_model = Discriminator(n_filters).to(device)
print(disc_model)

## Loss function and optimizers:
loss_fn = nn.BCELoss()
g_optimizer = torch.optim.Adam(gen_model.parameters(), 0.0003)
d_optimizer = torch.optim.Adam(disc_model.parameters(), 0.0002)

def create_noise(batch_size, z_size, mode_z):
    if mode_z == 'uniform':
        input_z = torch.rand(batch_size, z_size, 1, 1)*2 - 1
    elif mode_z == 'normal':
        input_z = torch.randn(batch_size, z_size, 1, 1)
    return input_z

## Train the discriminator
def d_train(x):
    disc_model.zero_grad()
    # Train discriminator with a real batch
    batch_size = x.size(0)
    x = x.to(device)
    d_labels_real = torch.ones(batch_size, 1, device=device)
    d_proba_real = disc_model(x)
    d_loss_real = loss_fn(d_proba_real, d_labels_real)
    # Train discriminator on a fake batch
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_output = gen_model(input_z)
    d_proba_fake = disc_model(g_output)
    d_labels_fake = torch.zeros(batch_size, 1, device=device)
    d_loss_fake = loss_fn(d_proba_fake, d_labels_fake)
    # gradient backprop & optimize ONLY D's parameters
    d_loss = d_loss_real + d_loss_fake
    d_loss.backward()
    d_optimizer.step()
    return d_loss.data.item(), d_proba_real.detach(), d_proba_fake.detach()

## Train the generator
def g_train(x):
    gen_model.zero_grad()
    batch_size = x.size(0)
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_labels_real = torch.ones((batch_size, 1), device=device)
    g_output = gen_model(input_z)
    d_proba_fake = disc_model(g_output)
    g_loss = loss_fn(d_proba_fake, g_labels_real)
    # gradient backprop & optimize ONLY G's parameters
    g_loss.backward()
    g_optimizer.step()
    return g_loss.data.item()

mode_z = 'uniform'
fixed_z = create_noise(batch_size, z_size, mode_z).to(device)
def create_samples(g_model, input_z):
    g_output = g_model(input_z)
    images = torch.reshape(g_output, (batch_size, *image_size))
    return (images+1)/2.0

epoch_samples = []
num_epochs = 2
torch.manual_seed(1)
for epoch in range(1, num_epochs+1):
    gen_model.train()
    d_losses, g_losses = [], []
    for i, (x, _) in enumerate(mnist_dl):
        d_loss, d_proba_real, d_proba_fake = d_train(x)
        d_losses.append(d_loss)
        g_losses.append(g_train(x))
    print(f'Epoch {epoch:03d} | Avg Losses >>'
          f' G/D {torch.FloatTensor(g_losses).mean():.4f}'
          f'/{torch.FloatTensor(d_losses).mean():.4f}')
    gen_model.eval()
    epoch_samples.append(
        create_samples(gen_model, fixed_z).detach().cpu().numpy())
print(epoch_samples[-1].shape, epoch_samples[-1][0, 10, 8:14])

# Implementing WGAN-GP to train the DCGAN model
def make_generator_network_wgan(input_size, n_filters):
    model = nn.Sequential(
        nn.ConvTranspose2d(input_size, n_filters*4, 4, 1, 0,
                           bias=False),
        nn.InstanceNorm2d(n_filters*4),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters*4, n_filters*2, 3, 2, 1, bias=False),
        nn.InstanceNorm2d(n_filters*2),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters*2, n_filters, 4, 2, 1, bias=False),
        nn.InstanceNorm2d(n_filters),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(n_filters, 1, 4, 2, 1, bias=False),
        nn.Tanh())
    return model

class DiscriminatorWGAN(nn.Module):
    def __init__(self, n_filters):
        super(DiscriminatorWGAN, self).__init__()
        self.network = nn.Sequential(
            nn.Conv2d(1, n_filters, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters, n_filters*2, 4, 2, 1, bias=False),
            nn.InstanceNorm2d(n_filters * 2),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters*2, n_filters*4, 3, 2, 1, bias=False),
            nn.InstanceNorm2d(n_filters*4),
            nn.LeakyReLU(0.2),
            nn.Conv2d(n_filters*4, 1, 4, 1, 0, bias=False),
            nn.Sigmoid())

    def forward(self, input):
        output = self.network(input)
        return output.view(-1, 1).squeeze(0)

gen_model = make_generator_network_wgan(z_size, n_filters).to(device)
disc_model = DiscriminatorWGAN(n_filters).to(device)
g_optimizer = torch.optim.Adam(gen_model.parameters(), 0.0002)
d_optimizer = torch.optim.Adam(disc_model.parameters(), 0.0002)

def gradient_penalty(real_data, generated_data):
    batch_size = real_data.size(0)
    # Calculate interpolation
    alpha = torch.rand(real_data.shape[0], 1, 1, 1, requires_grad=True, device=device)
    interpolated = alpha * real_data + (1 - alpha) * generated_data
    # Calculate probability of interpolated examples
    proba_interpolated = disc_model(interpolated)
    # Calculate gradients of probabilities with respect to examples
    gradients = torch_grad(outputs=proba_interpolated, inputs=interpolated,
                           grad_outputs=torch.ones(proba_interpolated.size(), device=device),
                           create_graph=True, retain_graph=True)[0]
    gradients = gradients.view(batch_size, -1)
    gradients_norm = gradients.norm(2, dim=1)
    return lambda_gp * ((gradients_norm - 1)**2).mean()

## Train the discriminator
def d_train_wgan(x):
    disc_model.zero_grad()
    batch_size = x.size(0)
    x = x.to(device)
    # Calculate probabilities on real and generated data
    d_real = disc_model(x)
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_output = gen_model(input_z)
    d_generated = disc_model(g_output)
    # the book's gradient_penalty(x.data, g_output.data): a computed tensor's .data is its NumPy array here
    # (docs/coming-from-pytorch.md, "What differs"), so the tensors are detached instead
    d_loss = d_generated.mean() - d_real.mean() + gradient_penalty(x.detach(), g_output.detach())
    d_loss.backward()
    d_optimizer.step()
    return d_loss.data.item()

## Train the generator
def g_train_wgan(x):
    gen_model.zero_grad()
    batch_size = x.size(0)
    input_z = create_noise(batch_size, z_size, mode_z).to(device)
    g_output = gen_model(input_z)
    d_generated = disc_model(g_output)
    g_loss = -d_generated.mean()
    # gradient backprop & optimize ONLY G's parameters
    g_loss.backward()
    g_optimizer.step()
    return g_loss.data.item()

epoch_samples_wgan = []
lambda_gp = 10.0
num_epochs = 2
torch.manual_seed(1)
critic_iterations = 2
for epoch in range(1, num_epochs+1):
    gen_model.train()
    d_losses, g_losses = [], []
    for i, (x, _) in enumerate(mnist_dl):
        for _ in range(critic_iterations):
            d_loss = d_train_wgan(x)
        d_losses.append(d_loss)
        g_losses.append(g_train_wgan(x))
    print(f'Epoch {epoch:03d} | D Loss >>'
          f' {torch.FloatTensor(d_losses).mean():.4f} G Loss {torch.FloatTensor(g_losses).mean():.4f}')
    gen_model.eval()
    epoch_samples_wgan.append(
        create_samples(gen_model, fixed_z).detach().cpu().numpy())
print(epoch_samples_wgan[-1][0, 10, 8:14])
print(disc_model.network[0].weight.grad[0, 0, 0])
'''


GRAPH_CONV = r'''
import networkx as nx
import numpy as np
import torch
from torch.nn.parameter import Parameter
import torch.nn.functional as F
from torch.utils.data import Dataset
from torch.utils.data import DataLoader

# Implementing a basic graph convolution
G = nx.Graph()
#Hex codes for colors if we draw graph
blue, orange, green = "#1f77b4", "#ff7f0e","#2ca02c"
G.add_nodes_from([(1, {"color": blue}),
                  (2, {"color": orange}),
                  (3, {"color": blue}),
                  (4, {"color": green})])
G.add_edges_from([(1, 2),(2, 3),(1, 3),(3, 4)])
A = np.asarray(nx.adjacency_matrix(G).todense())
print(A)

def build_graph_color_label_representation(G,mapping_dict):
    one_hot_idxs = np.array([mapping_dict[v] for v in
                             nx.get_node_attributes(G, 'color').values()])
    one_hot_encoding = np.zeros((one_hot_idxs.size,len(mapping_dict)))
    one_hot_encoding[np.arange(one_hot_idxs.size),one_hot_idxs] = 1
    return one_hot_encoding

X = build_graph_color_label_representation(G, {green: 0, blue: 1, orange: 2})
print(X)
f_in, f_out = X.shape[1], 6
W_1 = np.random.rand(f_in, f_out)
W_2 = np.random.rand(f_in, f_out)
h = np.dot(X,W_1) + np.dot(np.dot(A, X), W_2)
print(h)

# Defining the NodeNetwork model
class NodeNetwork(torch.nn.Module):
    def __init__(self, input_features):
        super().__init__()
        self.conv_1 = BasicGraphConvolutionLayer(input_features, 32)
        self.conv_2 = BasicGraphConvolutionLayer(32, 32)
        self.fc_1 = torch.nn.Linear(32, 16)
        self.out_layer = torch.nn.Linear(16, 2)

    def forward(self, X, A,batch_mat):
        x = self.conv_1(X, A).clamp(0)
        x = self.conv_2(x, A).clamp(0)
        output = global_sum_pool(x, batch_mat)
        output = self.fc_1(output)
        output = self.out_layer(output)
        return F.softmax(output, dim=1)

# Coding the NodeNetwork's graph convolution layer
class BasicGraphConvolutionLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.W2 = Parameter(torch.rand(
             (in_channels, out_channels), dtype=torch.float32))
        self.W1 = Parameter(torch.rand(
             (in_channels, out_channels), dtype=torch.float32))
        self.bias = Parameter(torch.zeros(
                 out_channels, dtype=torch.float32))

    def forward(self, X, A):
        potential_msgs = torch.mm(X, self.W2)
        propagated_msgs = torch.mm(A, potential_msgs)
        root_update = torch.mm(X, self.W1)
        output = propagated_msgs + root_update + self.bias
        return output

# Adding a global pooling layer to deal with varying graph sizes
def global_sum_pool(X, batch_mat):
    if batch_mat is None or batch_mat.dim() == 1:
        return torch.sum(X, dim=0).unsqueeze(0)
    else:
        return torch.mm(batch_mat, X)

def get_batch_tensor(graph_sizes):
    starts = [sum(graph_sizes[:idx]) for idx in range(len(graph_sizes))]
    stops = [starts[idx]+graph_sizes[idx] for idx in range(len(graph_sizes))]
    tot_len = sum(graph_sizes)
    batch_size = len(graph_sizes)
    batch_mat = torch.zeros([batch_size, tot_len]).float()
    for idx, starts_and_stops in enumerate(zip(starts, stops)):
        start = starts_and_stops[0]
        stop = starts_and_stops[1]
        batch_mat[idx, start:stop] = 1
    return batch_mat

def collate_graphs(batch):
    adj_mats = [graph['A'] for graph in batch]
    sizes = [A.size(0) for A in adj_mats]
    tot_size = sum(sizes)
    # create batch matrix
    batch_mat = get_batch_tensor(sizes)
    # combine feature matrices
    feat_mats = torch.cat([graph['X'] for graph in batch],dim=0)
    # combine labels
    labels = torch.cat([graph['y'] for graph in batch], dim=0)
    # combine adjacency matrices
    batch_adj = torch.zeros([tot_size, tot_size], dtype=torch.float32)
    accum = 0
    for adj in adj_mats:
        g_size = adj.shape[0]
        batch_adj[accum:accum+g_size, accum:accum+g_size] = adj
        accum = accum + g_size
    repr_and_label = {
            'A': batch_adj,
            'X': feat_mats,
            'y': labels,
            'batch' : batch_mat}
    return repr_and_label

# Preparing the DataLoader
def get_graph_dict(G, mapping_dict):
    # build dictionary representation of graph G
    A = torch.from_numpy(np.asarray(nx.adjacency_matrix(G).todense())).float()
    # build_graph_color_label_representation() was introduced with the first example graph
    X = torch.from_numpy(build_graph_color_label_representation(G,mapping_dict)).float()
    # kludge since there is not specific task for this example
    y = torch.tensor([[1, 0]]).float()
    return {'A': A, 'X': X, 'y': y, 'batch': None}

# building 4 graphs to treat as a dataset
blue, orange, green = "#1f77b4", "#ff7f0e","#2ca02c"
mapping_dict = {green: 0, blue: 1, orange: 2}
G1 = nx.Graph()
G1.add_nodes_from([(1, {"color": blue}),
                   (2, {"color": orange}),
                   (3, {"color": blue}),
                   (4, {"color": green})])
G1.add_edges_from([(1, 2), (2, 3),(1, 3), (3, 4)])
G2 = nx.Graph()
G2.add_nodes_from([(1, {"color": green}),
                   (2, {"color": green}),
                   (3, {"color": orange}),
                   (4, {"color": orange}),
                   (5,{"color": blue})])
G2.add_edges_from([(2, 3),(3, 4),(3, 1),(5, 1)])
G3 = nx.Graph()
G3.add_nodes_from([(1, {"color": orange}),
                   (2, {"color": orange}),
                   (3, {"color": green}),
                   (4, {"color": green}),
                   (5, {"color": blue}),
                   (6, {"color":orange})])
G3.add_edges_from([(2, 3), (3, 4), (3, 1), (5, 1), (2, 5), (6, 1)])
G4 = nx.Graph()
G4.add_nodes_from([(1, {"color": blue}), (2, {"color": blue}), (3, {"color": green})])
G4.add_edges_from([(1, 2), (2, 3)])
graph_list = [get_graph_dict(graph,mapping_dict) for graph in [G1, G2, G3, G4]]

class ExampleDataset(Dataset):
    # Simple PyTorch dataset that will use our list of graphs
    def __init__(self, graph_list):
        self.graphs = graph_list
    def __len__(self):
        return len(self.graphs)
    def __getitem__(self,idx):
        mol_rep = self.graphs[idx]
        return mol_rep

dset = ExampleDataset(graph_list)
# Note how we use our custom collate function
loader = DataLoader(dset, batch_size=2, shuffle=False, collate_fn=collate_graphs)

# Using the NodeNetwork to make predictions
torch.manual_seed(123)
node_features = 3
net = NodeNetwork(node_features)
batch_results = []
for b in loader:
    batch_results.append(net(b['X'], b['A'], b['batch']).detach())
print(batch_results)
G1_rep = dset[1]
G1_single = net(G1_rep['X'], G1_rep['A'], G1_rep['batch']).detach()
G1_batch = batch_results[0][1]
print(torch.all(torch.isclose(G1_single, G1_batch)), G1_single)

# a few training steps on the four graphs (the book trains the torch_geometric version in part 2), from smaller
# weights: torch.rand's all-positive ones saturate the softmax
with torch.no_grad():
    for p in net.parameters():
        p.mul_(0.1)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
labels = torch.tensor([0, 1, 1, 0])
for epoch in range(5):
    for i, b in enumerate(loader):
        optimizer.zero_grad()
        loss = F.nll_loss(torch.log(net(b['X'], b['A'], b['batch'])), labels[2 * i:2 * i + 2])
        loss.backward()
        optimizer.step()
    print(f'Epoch {epoch} loss: {loss.item():.4f}')
print(net.conv_1.W1.grad)
'''


CARTPOLE_DQN = r'''
import numpy as np
import torch
import torch.nn as nn
import random
from collections import namedtuple
from collections import deque

np.random.seed(1)
torch.manual_seed(1)

class CartPole:  # a stand-in for gym.make('CartPole-v1'): the same physics, gym's old reset/step API
    class observation_space:
        shape = (4,)
    class action_space:
        n = 2
    def reset(self):
        self.state = np.random.uniform(-0.05, 0.05, 4)
        return self.state
    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        costheta, sintheta = np.cos(theta), np.sin(theta)
        temp = (force + 0.05 * theta_dot ** 2 * sintheta) / 1.1
        thetaacc = (9.8 * sintheta - costheta * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costheta ** 2 / 1.1))
        xacc = temp - 0.05 * thetaacc * costheta / 1.1
        self.state = np.array([x + 0.02 * x_dot, x_dot + 0.02 * xacc, theta + 0.02 * theta_dot,
                               theta_dot + 0.02 * thetaacc])
        done = bool(abs(self.state[0]) > 2.4 or abs(self.state[2]) > 12 * 2 * np.pi / 360)
        return self.state, 1.0, done, {}

Transition = namedtuple(
    'Transition', ('state', 'action', 'reward',
                   'next_state', 'done'))

class DQNAgent:
    def __init__(
            self, env, discount_factor=0.95,
            epsilon_greedy=1.0, epsilon_min=0.01,
            epsilon_decay=0.995, learning_rate=1e-3,
            max_memory_size=2000):
        self.env = env
        self.state_size = env.observation_space.shape[0]
        self.action_size = env.action_space.n
        self.memory = deque(maxlen=max_memory_size)
        self.gamma = discount_factor
        self.epsilon = epsilon_greedy
        self.epsilon_min = epsilon_min
        self.epsilon_decay = epsilon_decay
        self.lr = learning_rate
        self._build_nn_model()

    def _build_nn_model(self):
        self.model = nn.Sequential(nn.Linear(self.state_size, 256),
                                   nn.ReLU(),
                                   nn.Linear(256, 128),
                                   nn.ReLU(),
                                   nn.Linear(128, 64),
                                   nn.ReLU(),
                                   nn.Linear(64, self.action_size))
        self.loss_fn = nn.MSELoss()
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), self.lr)

    def remember(self, transition):
        self.memory.append(transition)

    def choose_action(self, state):
        if np.random.rand() <= self.epsilon:
            return np.random.choice(self.action_size)
        with torch.no_grad():
            q_values = self.model(torch.tensor(state, dtype=torch.float32))[0]
        return torch.argmax(q_values).item()  # returns action

    def _learn(self, batch_samples):
        batch_states, batch_targets = [], []
        for transition in batch_samples:
            s, a, r, next_s, done = transition
            with torch.no_grad():
                if done:
                    target = r
                else:
                    pred = self.model(torch.tensor(next_s, dtype=torch.float32))[0]
                    target = r + self.gamma * pred.max()
                target_all = self.model(torch.tensor(s, dtype=torch.float32))[0]
                target_all[a] = target
            batch_states.append(s.flatten())
            batch_targets.append(target_all)
            self._adjust_epsilon()
        self.optimizer.zero_grad()
        pred = self.model(torch.tensor(batch_states, dtype=torch.float32))
        loss = self.loss_fn(pred, torch.stack(batch_targets))
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _adjust_epsilon(self):
        if self.epsilon > self.epsilon_min:
            self.epsilon *= self.epsilon_decay

    def replay(self, batch_size):
        samples = random.sample(self.memory, batch_size)
        return self._learn(samples)

# General settings
EPISODES = 4
batch_size = 16
init_replay_memory_size = 60

if __name__ == '__main__':
    env = CartPole()
    agent = DQNAgent(env)
    state = env.reset()
    state = np.reshape(state, [1, agent.state_size])
    # Filling up the replay-memory
    for i in range(init_replay_memory_size):
        action = agent.choose_action(state)
        next_state, reward, done, _ = env.step(action)
        next_state = np.reshape(next_state, [1, agent.state_size])
        agent.remember(Transition(state, action, reward,
                                  next_state, done))
        if done:
            state = env.reset()
            state = np.reshape(state, [1, agent.state_size])
        else:
            state = next_state
    total_rewards, losses = [], []
    for e in range(EPISODES):
        state = env.reset()
        state = np.reshape(state, [1, agent.state_size])
        for i in range(500):
            action = agent.choose_action(state)
            next_state, reward, done, _ = env.step(action)
            next_state = np.reshape(next_state, [1, agent.state_size])
            agent.remember(Transition(state, action, reward,
                                      next_state, done))
            state = next_state
            if done:
                total_rewards.append(i)
                print(f'Episode: {e}/{EPISODES}, Total reward: {i}')
                break
            loss = agent.replay(batch_size)
            losses.append(loss)
    print(f'epsilon {agent.epsilon:.4f}', [f'{l:.5f}' for l in losses[::10]])
    with torch.no_grad():
        print(agent.model(torch.tensor(state, dtype=torch.float32)))
'''


PROGRAMS = {"tensors_and_data": TENSORS_AND_DATA, "nn_training": NN_TRAINING, "mechanics": MECHANICS,
            "fuel_and_digits": FUEL_AND_DIGITS, "cnn": CNN, "smile_cnn": SMILE_CNN, "rnn": RNN,
            "sentiment_lstm": SENTIMENT_LSTM, "char_lm": CHAR_LM, "attention": ATTENTION, "gan": GAN,
            "dcgan_wgan": DCGAN_WGAN, "graph_conv": GRAPH_CONV, "cartpole_dqn": CARTPOLE_DQN}


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


class _GraphStandIn:
    """The four lines of networkx the book's chapter 18 uses (an undirected graph of nodes with attributes, its
    adjacency matrix in the order the nodes were added, a node attribute by node), for a machine without networkx:
    it is not a dependency of ours, and PyTorch, which brings it, is optional."""

    class Graph:
        def __init__(self):
            self.nodes, self.edges = {}, set()

        def add_nodes_from(self, nodes):
            for node, attributes in nodes:
                self.nodes.setdefault(node, {}).update(attributes)

        def add_edges_from(self, edges):
            for u, v in edges:
                self.nodes.setdefault(u, {}), self.nodes.setdefault(v, {})
                self.edges.add(frozenset((u, v)))

    class _Dense:
        def __init__(self, matrix):
            self.matrix = matrix

        def todense(self):
            return self.matrix

    @staticmethod
    def adjacency_matrix(graph):
        index = {node: i for i, node in enumerate(graph.nodes)}
        matrix = np.zeros((len(index), len(index)), dtype=np.int64)
        for u, v in map(tuple, graph.edges):
            matrix[index[u], index[v]] = matrix[index[v], index[u]] = 1
        return _GraphStandIn._Dense(matrix)

    @staticmethod
    def get_node_attributes(graph, name):
        return {node: attributes[name] for node, attributes in graph.nodes.items() if name in attributes}


def _networkx_or_stand_in(monkeypatch):
    try:
        import networkx  # noqa: F401
    except ImportError:
        monkeypatch.setitem(sys.modules, "networkx", _GraphStandIn)


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")  # PyTorch's tensors'
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")  # PyTorch's, on the book's line
def test_book_program_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    if name == "graph_conv":
        _networkx_or_stand_in(monkeypatch)
    compare_with_pytorch(PROGRAMS[name], name, monkeypatch, show_tensors=True, fewest=4)  # all in float32


# -- the book's torchvision lines (chapters 12 and 14), run with autograd_core.vision as torchvision: torchvision is
# not installed beside the PyTorch oracle, so these run without a comparison and check what the book shows --

AUGMENTATION = r'''
import numpy as np
import torch
import torchvision
from torchvision import transforms
from PIL import Image
from torch.utils.data import Dataset, DataLoader

# chapter 12: a Dataset of image files, transformed by ToTensor and Resize
file_list = []
for name in ['cat-01', 'dog-01', 'dog-02']:
    Image.fromarray(np.random.randint(0, 256, (90, 140, 3)).astype(np.uint8)).save(f'{name}.jpg')
    file_list.append(f'{name}.jpg')
labels = [1 if 'dog' in file else 0 for file in file_list]

class ImageDataset(Dataset):
    def __init__(self, file_list, labels, transform=None):
        self.file_list = file_list
        self.labels = labels
        self.transform = transform
    def __getitem__(self, index):
        img = Image.open(self.file_list[index])
        if self.transform is not None:
            img = self.transform(img)
        label = self.labels[index]
        return img, label
    def __len__(self):
        return len(self.labels)

img_height, img_width = 80, 120
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Resize((img_height, img_width)),
])
image_dataset = ImageDataset(file_list, labels, transform)
for i, example in enumerate(image_dataset):
    print(tuple(example[0].shape), example[1], example[0].numpy().transpose((1, 2, 0)).shape)

# chapter 14: the smile classifier's image transformations on a 218 x 178 CelebA-sized image
img = Image.fromarray(np.random.randint(0, 256, (218, 178, 3)).astype(np.uint8))
img_cropped = transforms.functional.crop(img, 50, 20, 128, 128)
img_flipped = transforms.functional.hflip(img)
img_adj_contrast = transforms.functional.adjust_contrast(img, contrast_factor=2)
img_adj_brightness = transforms.functional.adjust_brightness(img, brightness_factor=1.3)
img_center_crop = transforms.functional.center_crop(img, [0.7*218, 0.7*178])
img_resized = transforms.functional.resize(img_center_crop, size=(218, 178))
print(np.asarray(img_cropped).shape, np.asarray(img_center_crop).shape, np.asarray(img_resized).shape)
print(np.array_equal(np.asarray(img_flipped), np.asarray(img)[:, ::-1]),
      float(np.asarray(img_adj_brightness, dtype=float).mean()) > float(np.asarray(img, dtype=float).mean()))
torch.manual_seed(1)
for i in range(2):
    img_transform = transforms.Compose([transforms.RandomCrop([178, 178])])
    img_cropped = img_transform(img)
    img_transform = transforms.Compose([transforms.RandomHorizontalFlip()])
    img_flip = img_transform(img_cropped)
    img_resized = transforms.functional.resize(img_flip, size=(128, 128))
    print(np.asarray(img_cropped).shape, np.asarray(img_resized).shape)

get_smile = lambda attr: attr[18]
transform_train = transforms.Compose([
    transforms.RandomCrop([178, 178]),
    transforms.RandomHorizontalFlip(),
    transforms.Resize([64, 64]),
    transforms.ToTensor(),
])
transform = transforms.Compose([
    transforms.CenterCrop([178, 178]),
    transforms.Resize([64, 64]),
    transforms.ToTensor(),
])
attr = torch.from_numpy(np.random.randint(0, 2, 40))
data = [(transform_train(img), get_smile(attr)) for _ in range(4)]
img_batch, label_batch = next(iter(DataLoader(data, batch_size=2)))
print(tuple(img_batch.shape), img_batch.dtype == torch.float32, float(img_batch.min()) >= 0,
      float(img_batch.max()) <= 1, tuple(transform(img).shape))
'''


def test_the_books_torchvision_transforms_run_with_autograd_core_vision():
    """Chapter 12's ImageDataset (Image.open, ToTensor, Resize) and chapter 14's augmentations (crop, hflip,
    adjust_contrast/brightness, center_crop by a fractional size, RandomCrop, RandomHorizontalFlip, Resize) as the
    book writes them, on PIL images."""
    pytest.importorskip("PIL")
    _, printed = run(with_our_imports(AUGMENTATION), "augmentation")
    lines = printed.splitlines()
    assert lines[:3] == ["(3, 80, 120) 0 (80, 120, 3)", "(3, 80, 120) 1 (80, 120, 3)", "(3, 80, 120) 1 (80, 120, 3)"]
    assert lines[3] == "(128, 128, 3) (153, 125, 3) (218, 178, 3)"  # PIL's crop rounds 0.7 * 218 x 0.7 * 178
    assert lines[4] == "True True"
    assert lines[5:7] == ["(178, 178, 3) (128, 128, 3)"] * 2
    assert lines[7] == "(2, 3, 64, 64) True True True (3, 64, 64)"


@pytest.mark.parametrize("size", [[0.7 * 218, 0.7 * 178], [100.5, 77.49], [152.6], (12.5, 178), [218, 0.5 + 3]])
def test_center_crop_of_an_image_by_a_fractional_size_is_pils(size):
    """torchvision's center_crop of a PIL image by a fractional size (the book's [0.7*218, 0.7*178]): the corner
    int(round((H - h) / 2)), int(round((W - w) / 2)), then PIL's crop, which rounds the far edges of its box. Was a
    ValueError ("size should be an int or a sequence of one or two ints")."""
    image_module = pytest.importorskip("PIL.Image")
    pixels = np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8)
    height, width = (size[0], size[0]) if len(size) == 1 else size
    top, left = int(round((218 - height) / 2.0)), int(round((178 - width) / 2.0))
    expected = np.asarray(image_module.fromarray(pixels).crop((left, top, left + width, top + height)))
    for img in (pixels, image_module.fromarray(pixels)):  # an image array, and the PIL image it stands for
        np.testing.assert_array_equal(TF.center_crop(img, size), expected)


def test_center_crop_refuses_a_fractional_size_where_it_cannot_round_as_pil():
    with pytest.raises(TypeError, match="slice indices must be integers"):  # torchvision slices a tensor image
        TF.center_crop(ag.zeros(3, 8, 8), [4.5, 4])
    with pytest.raises(ValueError, match="must fit inside the image"):
        TF.center_crop(np.zeros((8, 8), np.uint8), [9.5, 4])
    np.testing.assert_array_equal(TF.center_crop(np.arange(64).reshape(8, 8), [4, 4]),
                                  np.arange(64).reshape(8, 8)[2:6, 2:6])  # whole pixels: as before


def _wgan_gradient_penalty(lib, first_conv_weight, real, fake, alpha):
    """Chapter 17's gradient_penalty through a small DiscriminatorWGAN (conv, LeakyReLU, InstanceNorm2d, sigmoid),
    its first convolution's weight given: the penalty's dependence on a weight goes through a gradient taken with
    create_graph=True."""
    nn = lib.nn
    network = nn.Sequential(
        nn.Conv2d(1, 2, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(2, 4, 4, 2, 1, bias=False), nn.InstanceNorm2d(4), nn.LeakyReLU(0.2),
        nn.Conv2d(4, 1, 7, 1, 0, bias=False), nn.Sigmoid()).double()
    with lib.no_grad():
        for i, layer in ((2, 1), (5, 2)):
            drawn = np.random.default_rng(layer).normal(0, 0.3, network[i].weight.shape)
            network[i].weight.copy_(lib.from_numpy(drawn))
    interpolated = alpha * real + (1 - alpha) * fake
    proba = nn.functional.conv2d(interpolated, first_conv_weight, stride=2, padding=1)
    for layer in list(network)[1:]:
        proba = layer(proba)
    proba = proba.view(-1, 1)
    gradients = lib.autograd.grad(outputs=proba, inputs=interpolated, grad_outputs=lib.ones(proba.size()),
                                  create_graph=True, retain_graph=True)[0]
    gradients_norm = gradients.view(real.size(0), -1).norm(2, dim=1)
    return 10.0 * ((gradients_norm - 1) ** 2).mean()


def _wgan_inputs(lib, rng=None):
    rng = rng or np.random.default_rng(0)
    weight = lib.tensor(rng.normal(0, 0.3, (2, 1, 4, 4)), requires_grad=True)
    real, fake = (lib.tensor(rng.uniform(-1, 1, (2, 1, 28, 28))) for _ in range(2))
    alpha = lib.tensor(rng.uniform(0, 1, (2, 1, 1, 1)), requires_grad=True)
    return weight, real, fake, alpha


def test_wgan_gradient_penalty_gradients_match_finite_differences():
    """The penalty's gradient with respect to the critic's weights and alpha (a second derivative through conv2d,
    instance norm, leaky ReLU and sigmoid) agrees with finite differences in float64."""
    weight, real, fake, alpha = _wgan_inputs(ag)
    assert ag.autograd.gradcheck(lambda w, a: _wgan_gradient_penalty(ag, w, real, fake, a), (weight, alpha),
                                 eps=1e-6, atol=1e-5)


def test_wgan_gradient_penalty_and_its_gradients_are_pytorchs_in_float64():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ag, torch):
        weight, real, fake, alpha = _wgan_inputs(lib)
        penalty = _wgan_gradient_penalty(lib, weight, real, fake, alpha)
        penalty.backward()
        results.append([penalty.item(), weight.grad.numpy().copy(), alpha.grad.numpy().copy()])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_autograd_gradcheck_checks_a_function_that_takes_gradients_itself():
    """torch.autograd.gradcheck evaluates func for the central differences on inputs that require grad, with the
    graph recorded, as PyTorch's does: a func calling torch.autograd.grad(..., create_graph=True) on its input (the
    book's gradient penalty) is checked, and a wrong second derivative is still caught. Was a RuntimeError ("one of
    the differentiated Values does not require grad") from the first numerical evaluation."""
    x = ag.tensor([0.3, -1.2, 2.0], dtype=ag.float64, requires_grad=True)

    def slope(v):  # d/dv of sum(v³ + sin v): 3v² + cos v, whose own derivative gradcheck checks
        return ag.autograd.grad((v ** 3 + ag.sin(v)).sum(), v, create_graph=True)[0]
    assert ag.autograd.gradcheck(slope, (x,))

    def detached_slope(v):  # the same values, but cut from the graph: no second derivative
        return slope(v).detach() * 1.0 + 0 * v
    assert not ag.autograd.gradcheck(detached_slope, (x,), raise_exception=False)
    with pytest.raises(GradcheckError, match="analytic 0.0 vs numerical"):
        ag.autograd.gradcheck(detached_slope, (x,))


def test_pytorchs_gradcheck_agrees_on_a_function_that_takes_gradients_itself():
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)

    def slope(v):
        return torch.autograd.grad((v ** 3 + torch.sin(v)).sum(), v, create_graph=True)[0]
    assert torch.autograd.gradcheck(slope, (x,))
    assert not torch.autograd.gradcheck(lambda v: slope(v).detach() * 1.0 + 0 * v, (x,), raise_exception=False)


def _write_celeba(root, monkeypatch, partitions=(0, 0, 0, 0, 0, 1, 1, 2), size=(218, 178)):
    """A CelebA folder in torchvision's layout (root/celeba/: JPEG faces and the five text files in CelebA's own
    formats), its files registered with their md5s in place of torchvision's. Image k's attribute j is 1 when
    (k + j) % 3 == 0, its identity 100 + k."""
    image_module = pytest.importorskip("PIL.Image")
    from autograd_core.vision.datasets import CelebA
    from autograd_core.vision.datasets.utils import calculate_md5

    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{k + 1:06d}.jpg" for k in range(len(partitions))]
    rng = np.random.default_rng(0)
    for name in names:
        pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        image_module.fromarray(pixels).save(folder / "img_align_celeba" / name)
    attribute_names = [f"Attribute_{j}" for j in range(40)]
    files = {
        "list_eval_partition.txt": [f"{n} {p}" for n, p in zip(names, partitions, strict=True)],
        "identity_CelebA.txt": [f"{n} {100 + k}" for k, n in enumerate(names)],
        "list_attr_celeba.txt": [str(len(names)), " ".join(attribute_names)] + [
            n + "".join(f" {1 if (k + j) % 3 == 0 else -1:2d}" for j in range(40)) for k, n in enumerate(names)],
        "list_bbox_celeba.txt": [str(len(names)), "image_id x_1 y_1 width height"] + [
            f"{n}  {95 + k} {71 + k} {226} {313}" for k, n in enumerate(names)],
        "list_landmarks_align_celeba.txt": [str(len(names)), "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y "
                                            "leftmouth_x leftmouth_y rightmouth_x rightmouth_y"] + [
            f"{n} " + " ".join(str(69 + k + i) for i in range(10)) for k, n in enumerate(names)],
    }
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(CelebA, "file_list", [(file_id, calculate_md5(str(folder / name)) if name in files else md5,
                                               name) for file_id, md5, name in CelebA.file_list])
    return names


CELEBA = r'''
import torch
import torchvision
from torchvision import transforms
from torch.utils.data import DataLoader, Subset
from itertools import islice

# chapter 12: fetching CelebA from torchvision.datasets
image_path = './'
celeba_dataset = torchvision.datasets.CelebA(image_path, split='train', target_type='attr', download=False)
assert isinstance(celeba_dataset, torch.utils.data.Dataset)
example = next(iter(celeba_dataset))
print(example[0].shape, example[1].tolist())
for i, (image, attributes) in islice(enumerate(celeba_dataset), 18):
    print(i, attributes[31].item())

# chapter 14: the smile classifier's data
celeba_train_dataset = torchvision.datasets.CelebA(image_path, split='train', target_type='attr', download=False)
celeba_valid_dataset = torchvision.datasets.CelebA(image_path, split='valid', target_type='attr', download=False)
celeba_test_dataset = torchvision.datasets.CelebA(image_path, split='test', target_type='attr', download=False)
print('Train set:', len(celeba_train_dataset))
print('Validation set:', len(celeba_valid_dataset))
print('Test set:', len(celeba_test_dataset))
img, attr = celeba_train_dataset[0]
img_cropped = transforms.functional.crop(img, 50, 20, 128, 128)
img_center_crop = transforms.functional.center_crop(img, [0.7*218, 0.7*178])
img_resized = transforms.functional.resize(img_center_crop, size=(218, 178))
print(img_cropped.shape, img_center_crop.shape, img_resized.shape)

get_smile = lambda attr: attr[18]
transform_train = transforms.Compose([
    transforms.RandomCrop([178, 178]),
    transforms.RandomHorizontalFlip(),
    transforms.Resize([64, 64]),
    transforms.ToTensor(),
])
transform = transforms.Compose([
    transforms.CenterCrop([178, 178]),
    transforms.Resize([64, 64]),
    transforms.ToTensor(),
])
celeba_train_dataset = torchvision.datasets.CelebA(image_path,
                                                   split='train',
                                                   target_type='attr',
                                                   download=False,
                                                   transform=transform_train,
                                                   target_transform=get_smile)
torch.manual_seed(1)
data_loader = DataLoader(celeba_train_dataset, batch_size=2)
for j in range(2):
    img_batch, label_batch = next(iter(data_loader))
    print(f'Epoch {j}:', tuple(img_batch.shape), label_batch, tuple(img_batch[0].permute(1, 2, 0).shape))
celeba_valid_dataset = torchvision.datasets.CelebA(image_path, split='valid', target_type='attr', download=False,
                                                   transform=transform, target_transform=get_smile)
celeba_train_dataset = Subset(celeba_train_dataset, torch.arange(4))
celeba_valid_dataset = Subset(celeba_valid_dataset, torch.arange(2))
print('Train set:', len(celeba_train_dataset))
print('Validation set:', len(celeba_valid_dataset))
x_batch, y_batch = next(iter(DataLoader(celeba_valid_dataset, 2, shuffle=False)))
print(tuple(x_batch.shape), y_batch)
'''


def test_the_books_celeba_lines_run_with_autograd_core_vision(tmp_path, monkeypatch):
    """Chapters 12 and 14 read CelebA with torchvision.datasets.CelebA (split, target_type='attr',
    target_transform=get_smile) and transform its images (was an AttributeError: no CelebA)."""
    _write_celeba(tmp_path, monkeypatch)
    _, printed = run(with_our_imports(CELEBA), "celeba")
    lines = printed.splitlines()
    first_attributes = [1 if j % 3 == 0 else 0 for j in range(40)]
    assert lines[0] == f"(218, 178, 3) {first_attributes}"
    assert lines[1:6] == [f"{k} {int((k + 31) % 3 == 0)}" for k in range(5)]  # the five training images
    assert lines[6:9] == ["Train set: 5", "Validation set: 2", "Test set: 1"]
    assert lines[9] == "(128, 128, 3) (153, 125, 3) (218, 178, 3)"
    assert lines[10].startswith("Epoch 0: (2, 3, 64, 64) ") and lines[10].endswith(" (64, 64, 3)")
    assert "[1, 0]" in lines[10]  # image 0's attribute 18: (0 + 18) % 3 == 0; image 1's: no
    assert lines[12:14] == ["Train set: 4", "Validation set: 2"]
    assert lines[14].startswith("(2, 3, 64, 64) ") and "[0, 1]" in lines[14]  # images 5, 6: 23 % 3, 24 % 3


def test_celeba_targets_splits_and_errors_are_torchvisions(tmp_path, monkeypatch):
    from autograd_core.vision.datasets import CelebA

    names = _write_celeba(tmp_path, monkeypatch, partitions=(2, 0, 1, 0), size=(12, 10))
    everything = CelebA(str(tmp_path), split="all", target_type=["attr", "identity", "bbox", "landmarks"])
    assert everything.filename == names and len(everything) == 4
    assert everything.attr.dtype == ag.int64 and everything.attr.shape == (4, 40)
    assert "op=" not in repr(everything.identity) and everything.bbox.shape == (4, 4)  # plain tensors, as torch's
    assert everything.attr_names == [f"Attribute_{j}" for j in range(40)]
    image, (attr, identity, bbox, landmarks) = everything[1]
    assert image.shape == (12, 10, 3) and image.dtype == np.uint8
    assert attr.tolist() == [1 if (1 + j) % 3 == 0 else 0 for j in range(40)]
    assert identity.shape == () and identity.item() == 101
    assert bbox.tolist() == [96, 72, 226, 313] and landmarks.tolist() == list(range(70, 80))
    train = CelebA(str(tmp_path), split="TRAIN", target_type="identity")  # the split's case is ignored
    assert train.filename == [names[1], names[3]] and [train[i][1].item() for i in range(2)] == [101, 103]
    assert CelebA(str(tmp_path), split="valid", target_type=[])[0][1] is None
    assert repr(train).splitlines()[-2:] == ["    Target type: ['identity']", "    Split: TRAIN"]
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split. Valid values are "
                                         r"\{train, valid, test, all\}."):
        CelebA(str(tmp_path), split="val")
    with pytest.raises(ValueError, match='Target type "smile" is not recognized.'):
        CelebA(str(tmp_path), target_type="smile")
    with pytest.raises(RuntimeError, match="target_transform is specified but target_type is empty"):
        CelebA(str(tmp_path), target_type=[], target_transform=lambda t: t)
    (tmp_path / "celeba" / "identity_CelebA.txt").write_text("000001.jpg 7\n")  # not the file whose md5 was taken
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        CelebA(str(tmp_path))
    with pytest.raises(RuntimeError, match="Google Drive, which is not downloaded from here"):
        CelebA(str(tmp_path / "elsewhere"), download=True)


# What the book checks in its own cells (allclose of a hand computation against the library's), without PyTorch.
OWN_CHECKS = {
    "rnn": ["True True"],  # the RNN by hand equals nn.RNN's outputs and last hidden state
    "attention": ["True"] * 5,  # omega by loops = by matmul; context vectors; keys; values; F.scaled_dot_product
    "nn_training": ["<All keys matched successfully>", "True", "True"],  # the reloaded model predicts the same;
    # softmax of a float64 array is float64
}


@pytest.mark.parametrize("name", OWN_CHECKS)
def test_the_books_own_checks_hold_without_pytorch(name):
    ag.manual_seed(0)
    _, printed = run(with_our_imports(PROGRAMS[name]), name, show_tensors=True)
    lines = printed.splitlines()
    checks = [line for line in lines if line in ("True", "False", "True True", "<All keys matched successfully>")]
    assert checks == OWN_CHECKS[name], printed
    if name == "attention":  # the multi-head context vector, and the causal mask's upper triangle
        assert any(line.endswith("True") and line.startswith("[") for line in lines)


MNIST_AND_READ_IMAGE = r'''
import gzip
import os
import struct
import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision import transforms
from torchvision.io import read_image
from torch.utils.data import DataLoader, Subset
from PIL import Image

def write_idx(path, array):  # MNIST's IDX format, gzipped as its mirrors serve it
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())

os.makedirs("MNIST/raw", exist_ok=True)
for prefix, n in (("train", 40), ("t10k", 12)):
    write_idx(f"MNIST/raw/{prefix}-images-idx3-ubyte.gz", np.random.randint(0, 256, (n, 28, 28)))
    write_idx(f"MNIST/raw/{prefix}-labels-idx1-ubyte.gz", np.random.randint(0, 10, n))

# chapter 12: the dataset as it comes, no transform (the book passes 'train' for train=)
image_path = './'
mnist_dataset = torchvision.datasets.MNIST(image_path, 'train', download=False)
assert isinstance(mnist_dataset, torch.utils.data.Dataset)
example = next(iter(mnist_dataset))
print(example[0].shape, example[1])

# chapters 13 and 14: ToTensor, Subset by torch.arange, and the test set's .data and .targets straight into a model
transform = transforms.Compose([transforms.ToTensor()])
mnist_dataset = torchvision.datasets.MNIST(root=image_path, train=True, transform=transform, download=False)
mnist_valid_dataset = Subset(mnist_dataset, torch.arange(10))
mnist_train_dataset = Subset(mnist_dataset, torch.arange(10, len(mnist_dataset)))
mnist_test_dataset = torchvision.datasets.MNIST(root=image_path, train=False, transform=transform, download=False)
image_size = mnist_train_dataset[0][0].shape
print(image_size, len(mnist_valid_dataset), len(mnist_train_dataset))
torch.manual_seed(1)
train_dl = DataLoader(mnist_train_dataset, 16, shuffle=True)
x_batch, y_batch = next(iter(train_dl))
print(x_batch.shape, x_batch.dtype == torch.float32, y_batch.dtype == torch.int64)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
pred = model(mnist_test_dataset.data / 255.)
is_correct = (torch.argmax(pred, dim=1) == mnist_test_dataset.targets).float()
print(pred.shape, 0 <= is_correct.mean().item() <= 1)
cnn = nn.Sequential(nn.Conv2d(1, 2, kernel_size=5, padding=2), nn.Flatten())
print(cnn(mnist_test_dataset.data.unsqueeze(1) / 255.).shape)
img = mnist_test_dataset[0][0][0, :, :]
print(cnn(img.unsqueeze(0).unsqueeze(1)).shape)

# chapter 17: Normalize(mean=(0.5), std=(0.5)) into [-1, 1]
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize(mean=(0.5), std=(0.5)),
])
mnist_dataset = torchvision.datasets.MNIST(root=image_path, train=True, transform=transform, download=False)
example, label = next(iter(mnist_dataset))
print(f'Min: {example.min()} Max: {example.max()}')

# chapter 14's tip: reading an image file
Image.fromarray(np.random.randint(0, 256, (120, 110, 3)).astype(np.uint8)).save('example-image.png')
img = read_image('example-image.png')
print('Image shape:', img.shape)
print('Number of channels:', img.shape[0])
print('Image data type:', img.dtype)
print(img[:, 100:102, 100:102].shape)
'''


def test_the_books_mnist_and_read_image_lines_run_with_autograd_core_vision():
    pytest.importorskip("PIL")
    _, printed = run(with_our_imports(MNIST_AND_READ_IMAGE), "mnist_and_read_image")
    lines = printed.splitlines()
    assert lines[0].startswith("(28, 28) ")  # an image array where torchvision gives a PIL image
    assert lines[1:5] == ["(1, 28, 28) 10 30", "(16, 1, 28, 28) True True", "(12, 10) True", "(12, 1568)"]
    assert lines[5] == "(1, 1568)"
    low, high = (float(v) for v in lines[6].replace("Min: ", "").split(" Max: "))
    assert -1 <= low < -0.9 and 0.9 < high <= 1
    # a dtype is NumPy's and prints as "uint8" (docs/coming-from-pytorch.md: "dtypes are NumPy dtypes")
    assert lines[7:] == ["Image shape: (3, 120, 110)", "Number of channels: 3", "Image data type: uint8", "(3, 2, 2)"]


def test_graph_stand_in_gives_the_books_adjacency_matrix():
    """The stand-in for networkx (used where it is not installed) prints the book's matrix for its first graph."""
    graph = _GraphStandIn.Graph()
    graph.add_nodes_from([(1, {"color": "blue"}), (2, {"color": "orange"}), (3, {"color": "blue"}),
                          (4, {"color": "green"})])
    graph.add_edges_from([(1, 2), (2, 3), (1, 3), (3, 4)])
    assert _GraphStandIn.adjacency_matrix(graph).todense().tolist() == [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1],
                                                                        [0, 0, 1, 0]]
    assert list(_GraphStandIn.get_node_attributes(graph, "color").values()) == ["blue", "orange", "blue", "green"]

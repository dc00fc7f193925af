"""PyTorch's tutorial "Visualizing Models, Data, and Training with TensorBoard", run with `import autograd_core as
torch`: its SummaryWriter calls (add_image of a torchvision grid, add_graph, add_embedding with a sprite, add_scalar
and add_figure during training, add_pr_curve for each class, and close() between them) write TensorBoard's files,
read back here.

The program is the tutorial's, written from memory in its idioms (as the other tutorial tests are). What changes: the
import of torchvision, replaced by a stand-in of the parts it uses (FashionMNIST as made-up 28×28 images of ten
classes, ToTensor, Normalize, utils.make_grid: `TORCHVISION`), and the logging interval (every 100 mini-batches
instead of 1,000, on 1,600 images instead of 60,000). Where PyTorch is installed, its losses and PR-curve inputs are
compared with PyTorch's from the same draws (both runs logging to a recording stand-in: PyTorch's SummaryWriter needs
the tensorboard package, not installed here).
"""

from __future__ import annotations

import glob
import re

import numpy as np
import pytest
from program_harness import run, run_both, with_our_imports
from test_tensorboard import decoded_png, fields, records

TUTORIAL = r"""
# imports
import matplotlib.pyplot as plt
import numpy as np

import torch
import torchvision
import torchvision.transforms as transforms

import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# transforms
transform = transforms.Compose(
    [transforms.ToTensor(),
    transforms.Normalize((0.5,), (0.5,))])

# datasets
trainset = torchvision.datasets.FashionMNIST('./data',
    download=True,
    train=True,
    transform=transform)
testset = torchvision.datasets.FashionMNIST('./data',
    download=True,
    train=False,
    transform=transform)

# dataloaders
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4,
                                        shuffle=True, num_workers=2)


testloader = torch.utils.data.DataLoader(testset, batch_size=4,
                                        shuffle=False, num_workers=2)

# constant for classes
classes = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
        'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle Boot')

# helper function to show an image
# (used in the `plot_classes_preds` function below)
def matplotlib_imshow(img, one_channel=False):
    if one_channel:
        img = img.mean(dim=0)
    img = img / 2 + 0.5     # unnormalize
    npimg = img.numpy()
    if one_channel:
        plt.imshow(npimg, cmap="Greys")
    else:
        plt.imshow(np.transpose(npimg, (1, 2, 0)))

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

from torch.utils.tensorboard import SummaryWriter

# default `log_dir` is "runs" - we'll be more specific here
writer = SummaryWriter('runs/fashion_mnist_experiment_1')

# get some random training images
dataiter = iter(trainloader)
images, labels = next(dataiter)

# create grid of images
img_grid = torchvision.utils.make_grid(images)

# show images
matplotlib_imshow(img_grid, one_channel=True)

# write to tensorboard
writer.add_image('four_fashion_mnist_images', img_grid)

writer.add_graph(net, images)
writer.close()

# helper function
def select_n_random(data, labels, n=100):
    '''
    Selects n random datapoints and their corresponding labels from a dataset
    '''
    assert len(data) == len(labels)

    perm = torch.randperm(len(data))
    return data[perm][:n], labels[perm][:n]

# select random images and their target indices
images, labels = select_n_random(trainset.data, trainset.targets)

# get the class labels for each image
class_labels = [classes[lab] for lab in labels]

# log embeddings
features = images.view(-1, 28 * 28)
writer.add_embedding(features,
                    metadata=class_labels,
                    label_img=images.unsqueeze(1))
writer.close()

# helper functions

def images_to_probs(net, images):
    '''
    Generates predictions and corresponding probabilities from a trained
    network and a list of images
    '''
    output = net(images)
    # convert output probabilities to predicted class
    _, preds_tensor = torch.max(output, 1)
    preds = np.squeeze(preds_tensor.numpy())
    return preds, [F.softmax(el, dim=0)[i].item() for i, el in zip(preds, output)]


def plot_classes_preds(net, images, labels):
    '''
    Generates matplotlib Figure using a trained network, along with images
    and labels from a batch, that shows the network's top prediction along
    with its probability, alongside the actual label, coloring this
    information based on whether the prediction was correct or not.
    Uses the "images_to_probs" function.
    '''
    preds, probs = images_to_probs(net, images)
    # plot the images in the batch, along with predicted and true labels
    fig = plt.figure(figsize=(12, 48))
    for idx in np.arange(4):
        ax = fig.add_subplot(1, 4, idx+1, xticks=[], yticks=[])
        matplotlib_imshow(images[idx], one_channel=True)
        ax.set_title("{0}, {1:.1f}%\n(label: {2})".format(
            classes[preds[idx]],
            probs[idx] * 100.0,
            classes[labels[idx]]),
                    color=("green" if preds[idx]==labels[idx].item() else "red"))
    return fig

running_loss = 0.0
for epoch in range(1):  # loop over the dataset multiple times

    for i, data in enumerate(trainloader, 0):

        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        if i % 1000 == 999:    # every 1000 mini-batches...

            # ...log the running loss
            writer.add_scalar('training loss',
                            running_loss / 1000,
                            epoch * len(trainloader) + i)

            # ...log a Matplotlib Figure showing the model's predictions on a
            # random mini-batch
            writer.add_figure('predictions vs. actuals',
                            plot_classes_preds(net, inputs, labels),
                            global_step=epoch * len(trainloader) + i)
            running_loss = 0.0
print('Finished Training')

# 1. gets the probability predictions in a test_size x num_classes Tensor
# 2. gets the preds in a test_size Tensor
# takes ~10 seconds to run
class_probs = []
class_label = []
with torch.no_grad():
    for data in testloader:
        images, labels = data
        output = net(images)
        class_probs_batch = [F.softmax(el, dim=0) for el in output]

        class_probs.append(class_probs_batch)
        class_label.append(labels)

test_probs = torch.cat([torch.stack(batch) for batch in class_probs])
test_label = torch.cat(class_label)

# helper function
def add_pr_curve_tensorboard(class_index, test_probs, test_label, global_step=0):
    '''
    Takes in a "class_index" from 0 to 9 and plots the corresponding
    precision-recall curve
    '''
    tensorboard_truth = test_label == class_index
    tensorboard_probs = test_probs[:, class_index]

    writer.add_pr_curve(classes[class_index],
                        tensorboard_truth,
                        tensorboard_probs,
                        global_step=global_step)
    writer.close()

# plot all the pr curves
for i in range(len(classes)):
    add_pr_curve_tensorboard(i, test_probs, test_label)
"""

# torchvision's parts the tutorial uses, written on the program's own torch and NumPy (so that the PyTorch run uses
# PyTorch's): the images are drawn with NumPy's generator, the same in both runs.
TORCHVISION = r"""
import math
import types


def _fashion(n, seed):
    # n 28x28 uint8 images of ten classes (a bright band at rows 2 + 2·class, over noise), and their labels
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    images = rng.integers(0, 120, (n, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        image[2 + 2 * label:6 + 2 * label] += 130
    return images, labels


class FashionMNIST(torch.utils.data.Dataset):
    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        images, labels = _fashion(1600 if train else 200, 0 if train else 1)
        self.data = torch.tensor(images)
        self.targets = torch.tensor(labels, dtype=torch.long)
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = self.data[index].numpy()  # (what the PIL image is to the transforms)
        return (self.transform(image) if self.transform else image), int(self.targets[index])


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x


class ToTensor:
    def __call__(self, pic):  # (H, W) uint8 -> (1, H, W) float32 in [0, 1]
        return torch.tensor(pic, dtype=torch.float32).unsqueeze(0) / 255


class Normalize:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, x):
        return (x - torch.tensor(self.mean).view(-1, 1, 1)) / torch.tensor(self.std).view(-1, 1, 1)


def make_grid(tensor, nrow=8, padding=2, pad_value=0.0):
    # torchvision.utils.make_grid: a batch (B, C, H, W) tiled nrow a row, `padding` pixels around each image
    if tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = torch.full((3, height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = tensor[k]
            k += 1
    return grid


transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor, Normalize=Normalize)
torchvision = types.SimpleNamespace(datasets=types.SimpleNamespace(FashionMNIST=FashionMNIST), transforms=transforms,
                                    utils=types.SimpleNamespace(make_grid=make_grid))
"""

SMALLER = [("import torchvision\nimport torchvision.transforms as transforms\n", TORCHVISION),
           ("if i % 1000 == 999:", "if i % 100 == 99:"), ("running_loss / 1000", "running_loss / 100")]


def as_run(program, replacements=()):
    for old, new in [*SMALLER, *replacements]:
        assert old in program, old
        program = program.replace(old, new)
    return program


def logged(log_dir):
    """Every summary value in the event files of log_dir (the tutorial closes the writer and goes on: several files),
    as (tag, step, Summary.Value's fields), in the order written (the files' names end with a growing number), and the
    graphs."""
    values, graphs = [], []
    for path in sorted(glob.glob(f"{log_dir}/events.out.tfevents.*"), key=lambda p: int(p.rpartition(".")[2])):
        for record in records(path)[1:]:
            event = dict(fields(record))
            if 4 in event:
                graphs.append(event[4])
            for _, value in fields(event.get(5, b"")):
                value = dict(fields(value))
                values.append((value[1].decode(), event.get(2, 0), value))
    return values, graphs


def test_the_tutorial_writes_what_tensorboard_shows(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(matplotlib.rcParams, "figure.dpi", 10)  # its 12 × 48 inch figure, drawn small
    _, printed = run(with_our_imports(as_run(TUTORIAL)), "tensorboard tutorial")
    assert "Finished Training" in printed
    log_dir = tmp_path / "runs" / "fashion_mnist_experiment_1"
    values, graphs = logged(log_dir)
    tags = [tag for tag, _, _ in values]

    # the grid of four training images: make_grid's 2-pixel padding, four across
    ((_, _, grid),) = [v for v in values if v[0] == "four_fashion_mnist_images"]
    image = dict(fields(grid[4]))
    assert (image[1], image[2], image[3]) == (32, 122, 3) and decoded_png(image[4]).shape == (32, 122, 3)

    # the graph: Net's layers, the input and the output
    (graph,) = graphs
    names = {dict(fields(node))[1].decode() for number, node in fields(graph) if number == 1}
    assert {"input/input.0", "Net/Conv2d[conv1]/conv2d.1", "Net/Conv2d[conv2]/conv2d.2",
            "Net/MaxPool2d[pool]/max_pool2d.2", "Net/Linear[fc3]/linear.3", "output/output.0"} <= names

    # the running loss every 100 mini-batches, falling; a figure of predictions with each
    losses = [(step, dict(value)[2]) for tag, step, value in values if tag == "training loss"]
    assert [step for step, _ in losses] == [99, 199, 299, 399] and losses[-1][1] < losses[0][1], losses
    assert [step for tag, step, _ in values if tag == "predictions vs. actuals"] == [99, 199, 299, 399]

    # a precision-recall curve for each class, of the 200 test images
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle Boot"]
    assert tags[-10:] == classes
    for _, _, value in values[-10:]:
        curve = np.frombuffer(dict(fields(value[8]))[5], "<f4").reshape(6, 127)
        assert curve[0, 0] + curve[3, 0] == 20 and curve[1, 0] + curve[2, 0] == 180  # 20 of each class

    # the embedding: 100 training images' pixels, their classes and a 10 × 10 sprite of them
    rows = (log_dir / "00000" / "default" / "tensors.tsv").read_text().splitlines()
    assert len(rows) == 100 and all(len(row.split("\t")) == 784 for row in rows)
    assert set((log_dir / "00000" / "default" / "metadata.tsv").read_text().splitlines()) <= set(classes)
    assert decoded_png((log_dir / "00000" / "default" / "sprite.png").read_bytes()).shape == (280, 280, 3)
    assert 'tensor_name: "default:00000"' in (log_dir / "projector_config.pbtxt").read_text()


RECORDER = """
class SummaryWriter:
    # a stand-in for both runs: prints what it is given to compare (PyTorch's needs the tensorboard package)
    def __init__(self, log_dir=None):
        pass

    def add_scalar(self, tag, value, step):
        print(f"{tag} {step} {value:.6f}")

    def add_pr_curve(self, tag, labels, predictions, global_step=0):
        print(f"pr {tag} {int(labels.sum())} {float(predictions.sum()):.4f}")

    def add_figure(self, tag, figure, global_step=None):
        plt.close(figure)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None
"""


def test_losses_and_pr_curves_reproduce_pytorch_from_the_same_start(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    program = as_run(TUTORIAL, [("from torch.utils.tensorboard import SummaryWriter\n", RECORDER),
                                ("num_workers=2", "num_workers=0")])  # (PyTorch's workers would be processes)
    (_, ours), (_, theirs) = run_both(program, "tensorboard tutorial", monkeypatch)
    numbers = re.compile(r"^(?:training loss|pr) .*?([\d.]+)$", re.M)
    our_numbers, their_numbers = (np.array(numbers.findall(p), dtype=float) for p in (ours, theirs))
    assert len(our_numbers) == len(their_numbers) == 14, (ours, theirs)  # four losses, ten curves
    np.testing.assert_allclose(our_numbers, their_numbers, rtol=1e-4, err_msg=f"{ours}\n{theirs}")

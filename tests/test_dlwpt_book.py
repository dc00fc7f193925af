""""Deep Learning with PyTorch" (Stevens, Antiga, Viehmann; dlwpt-code), chapters 3-8, run with
`import autograd_core as torch`.

Chapter 3 (tensors: indexing, the named-tensor section as far as PyTorch 2 still runs it, storage, strides and
offsets, contiguity, dtypes, NumPy interoperability, torch.save/torch.load), 4 (real-world data: the wine-quality
table read with numpy.loadtxt, one-hot encoding with scatter_, masks from torch.le/lt/gt; the bike-sharing hours
reshaped into days with view/transpose and the weather column one-hot encoded; images as uint8 batches normalised
per channel, a CT volume, one-hot characters and words of a line of text), 5 (the thermometer model learned by
hand, with autograd, with torch.optim's SGD and Adam, with a train/validation split from torch.randperm), 6
(nn.Linear, nn.Sequential with an OrderedDict, a subclassed model) and 7-8 (the birds-vs-airplanes models on
CIFAR-2: softmax, LogSoftmax with NLLLoss, CrossEntropyLoss, parameter counts, the convolutional Net and its
variants NetWidth, NetDropout, NetBatchNorm, NetDepth, NetRes and NetResDeep, L2 regularisation by hand, saving and
loading the state dict), each written as the book's notebooks write it. Data the book downloads are small
synthetic stand-ins of the same shapes and dtypes: the wine and bike CSV files are written by the program itself,
CIFAR-2 is a list of random 3×32×32 float images with labels 0/1 (torchvision is not used: the book's
`transforms.Normalize` is the few lines it stands for). The book's plots (5.4, 6.3, 7.1) are drawn with matplotlib
and read back; the GPU cells and h5py are left out.

The harness is tests/program_harness.py's: printed tensors compared as numbers, the random draws of our run replayed
in PyTorch's (the book's torch.randperm, nn.init.kaiming_normal_ and RNN cells among them), the clock left out (the
book's `datetime.datetime.now()` in its training loops) and a `str(param.shape)` printed inside a string compared as
a tuple (there is no torch.Size here, by design). Where a line is spelled differently from the book because of a
documented design difference, a comment beside it says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from program_harness import compare_with_pytorch

import autograd_core as ag

TENSORS = r'''
import torch

a = [1.0, 2.0, 1.0]
print(a[0])
a[2] = 3.0
print(a)
a = torch.ones(3)
print(a, a[1], float(a[1]))
a[2] = 2.0
print(a)
points = torch.zeros(6) # <1>
points[0] = 1.0 # <2>
points[1] = 4.0
points[2] = 2.0
points[3] = 1.0
points[4] = 3.0
points[5] = 5.0
print(points)
points = torch.tensor([1.0, 4.0, 2.0, 1.0, 3.0, 5.0])
print(float(points[0]), float(points[1]))
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
print(points, points.shape)
points = torch.zeros(3, 2)
print(points)
points = torch.FloatTensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
print(points, points[0, 1], points[0])

# 3.7 tensors: scenic views of storage
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
print(points.storage())
points_storage = points.storage()
print(points_storage[0])
print(points.storage()[1])
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
points_storage = points.storage()
points_storage[0] = 2.0
print(points)

# 3.8 size, offset and stride
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
second_point = points[1]
print(second_point.storage_offset())
print(second_point.size(), second_point.shape)
print(points.stride())
print(second_point.storage_offset(), second_point.stride())
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
second_point = points[1]
second_point[0] = 10.0
print(points)
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
second_point = points[1].clone()
second_point[0] = 10.0
print(points)
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
points_t = points.t()
print(points_t)
print(id(points.storage()) == id(points_t.storage()))
print(points.storage().data_ptr() == points_t.storage().data_ptr())
print(points.stride(), points_t.stride())
some_tensor = torch.ones(3, 4, 5)
some_tensor_t = some_tensor.transpose(0, 2)
print(some_tensor.shape, some_tensor_t.shape)
print(some_tensor.stride(), some_tensor_t.stride())
print(points.is_contiguous(), points_t.is_contiguous())
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
points_t = points.t()
print(points_t)
print(points_t.storage())
print(points_t.stride())
points_t_cont = points_t.contiguous()
print(points_t_cont)
print(points_t_cont.stride())
print(points_t_cont.storage())

# 3.5 numeric types
double_points = torch.ones(10, 2, dtype=torch.double)
short_points = torch.tensor([[1, 2], [3, 4]], dtype=torch.short)
print(short_points.dtype == torch.int16, double_points.dtype == torch.float64)
double_points = torch.zeros(10, 2).double()
short_points = torch.ones(10, 2).short()
double_points = torch.zeros(10, 2).to(torch.double)
short_points = torch.ones(10, 2).to(dtype=torch.short)
points = torch.randn(10, 2)  # <1>
short_points = points.type(torch.short)
print(short_points)
points_64 = torch.rand(5, dtype=torch.double)
points_short = points_64.to(torch.short)
print(points_64 * points_short)  # works from PyTorch 1.3 onwards
print((points_64 * points_short).dtype == torch.float64)

# 3.4 indexing
# reset points back to original value
points = torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 4.0]])
some_list = list(range(6))
print(some_list[:], some_list[1:4], some_list[1:], some_list[:4], some_list[:-1], some_list[1:4:2])
print(points[1:])       # <1>
print(points[1:, :])    # <2>
print(points[1:, 0])    # <3>
print(points[None].shape)  # <4>

# 3.9 NumPy interoperability
points = torch.ones(3, 4)
points_np = points.numpy()
print(points_np)
points = torch.from_numpy(points_np)
points_np[0, 0] = 7.0  # the tensor and the array share their memory
print(points[0, 0].item())

# 3.12 serializing tensors
torch.save(points, 'ourpoints.t')
with open('ourpoints.t','wb') as f:
   torch.save(points, f)
points = torch.load('ourpoints.t')
print(points)
with open('ourpoints.t','rb') as f:
   points = torch.load(f)
print(points)

# 3.10 the tensor API
a = torch.ones(3, 2)
a_t = torch.transpose(a, 0, 1)
print(a.shape, a_t.shape)
a = torch.ones(3, 2)
a_t = a.transpose(0, 1)
print(a.shape, a_t.shape)
a = torch.ones(3, 2)
a.zero_()
print(a)

# the chapter's exercises
a = torch.tensor(list(range(9)))
print(a.size(), a.storage_offset(), a.stride())
b = a.view(3, 3)
print(b.storage_offset(), b.stride(), a.storage().data_ptr() == b.storage().data_ptr())
c = b[1:,1:]
print(c.size(), c.storage_offset(), c.stride(), c.is_contiguous())
print(torch.cos(a).dtype == torch.float32, torch.sqrt(a))
try:
    a.cos_()  # an integer tensor cannot hold the cosines
except RuntimeError:
    print("cos_ of an int64 tensor: RuntimeError")
a = a.float()
a.cos_()
print(a)
'''


NAMED_TENSORS = r'''
import torch

img_t = torch.randn(3, 5, 5) # shape [channels, rows, columns]
weights = torch.tensor([0.2126, 0.7152, 0.0722])
batch_t = torch.randn(2, 3, 5, 5) # shape [batch, channels, rows, columns]
img_gray_naive = img_t.mean(-3)
batch_gray_naive = batch_t.mean(-3)
print(img_gray_naive.shape, batch_gray_naive.shape)
print(img_gray_naive)
unsqueezed_weights = weights.unsqueeze(-1).unsqueeze_(-1)
img_weights = (img_t * unsqueezed_weights)
batch_weights = (batch_t * unsqueezed_weights)
img_gray_weighted = img_weights.sum(-3)
batch_gray_weighted = batch_weights.sum(-3)
print(batch_weights.shape, batch_t.shape, unsqueezed_weights.shape)
print(batch_gray_weighted)
img_gray_weighted_fancy = torch.einsum('...chw,c->...hw', img_t, weights)
batch_gray_weighted_fancy = torch.einsum('...chw,c->...hw', batch_t, weights)
print(batch_gray_weighted_fancy.shape)
print(batch_gray_weighted_fancy)
# The book's next cell, torch.tensor([...], names=['channels']), no longer runs in PyTorch 2 (named tensors were
# removed: a TypeError for names=, no refine_names); neither library has them.
try:
    weights_named = torch.tensor([0.2126, 0.7152, 0.0722], names=['channels'])
except TypeError:
    print("named tensors: TypeError")
print(hasattr(img_t, "refine_names"), hasattr(img_t, "align_as"))
'''


WINE = r'''
import csv
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, precision=2)

# a small stand-in for winequality-white.csv: 11 physico-chemical columns and the quality score 3..9, ';'-separated
col_names = ['fixed acidity', 'volatile acidity', 'citric acid', 'residual sugar', 'chlorides',
             'free sulfur dioxide', 'total sulfur dioxide', 'density', 'pH', 'sulphates', 'alcohol', 'quality']
scales = np.array([6.8, 0.28, 0.33, 6.4, 0.046, 35.3, 138.4, 0.994, 3.19, 0.49, 10.5])
rows = np.round(scales * (1 + 0.25 * np.random.randn(200, 11)), 4)
quality = np.clip(np.round(6 + 1.2 * np.random.randn(200)), 3, 9)
with open("winequality-white.csv", "w") as f:
    f.write(";".join('"%s"' % n for n in col_names) + "\n")
    for row, q in zip(rows, quality):
        f.write(";".join(str(v) for v in row) + ";%d\n" % q)

wine_path = "winequality-white.csv"
wineq_numpy = np.loadtxt(wine_path, dtype=np.float32, delimiter=";", skiprows=1)
print(wineq_numpy)
col_list = next(csv.reader(open(wine_path), delimiter=';'))
print(wineq_numpy.shape, col_list)
wineq = torch.from_numpy(wineq_numpy)
print(wineq.shape, wineq.dtype == torch.float32)
data = wineq[:, :-1] # <1>
print(data, data.shape)
target = wineq[:, -1] # <2>
print(target, target.shape)
target = wineq[:, -1].long()
print(target)
target_onehot = torch.zeros(target.shape[0], 10)
print(target_onehot.scatter_(1, target.unsqueeze(1), 1.0))
target_unsqueezed = target.unsqueeze(1)
print(target_unsqueezed)
data_mean = torch.mean(data, dim=0)
print(data_mean)
data_var = torch.var(data, dim=0)
print(data_var)
data_normalized = (data - data_mean) / torch.sqrt(data_var)
print(data_normalized)
bad_indexes = torch.le(target, 3)  # the first edition's spelling of target <= 3
print(bad_indexes.shape, bad_indexes.dtype == torch.bool, bad_indexes.sum())
bad_indexes = target <= 3 # <1>
print(bad_indexes.shape, bad_indexes.dtype == torch.bool, bad_indexes.sum())
bad_data = data[bad_indexes]
print(bad_data.shape)
bad_data = data[target <= 3]
mid_data = data[(target > 3) & (target < 7)] # <1>
good_data = data[target >= 7]
mid_data_too = data[torch.gt(target, 3) & torch.lt(target, 7)]
print(torch.equal(mid_data, mid_data_too), good_data.shape)

bad_mean = torch.mean(bad_data, dim=0)
mid_mean = torch.mean(mid_data, dim=0)
good_mean = torch.mean(good_data, dim=0)

for i, args in enumerate(zip(col_list, bad_mean, mid_mean, good_mean)):
    print('{:2} {:20} {:6.2f} {:6.2f} {:6.2f}'.format(i, *args))

total_sulfur_threshold = 141.83
total_sulfur_data = data[:,6]
predicted_indexes = torch.lt(total_sulfur_data, total_sulfur_threshold)
print(predicted_indexes.shape, predicted_indexes.dtype == torch.bool, predicted_indexes.sum())
actual_indexes = target > 5
print(actual_indexes.shape, actual_indexes.dtype == torch.bool, actual_indexes.sum())
n_matches = torch.sum(actual_indexes & predicted_indexes).item()
n_predicted = torch.sum(predicted_indexes).item()
n_actual = torch.sum(actual_indexes).item()
print(n_matches, n_matches / n_predicted, n_matches / n_actual)
'''


BIKES = r'''
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50, linewidth=75)

# a stand-in for hour-fixed.csv: ten days of hourly rows, the book's 17 columns
header = ("instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed,"
          "casual,registered,cnt")
with open("hour-fixed.csv", "w") as f:
    f.write(header + "\n")
    for i in range(24 * 10):
        day, hour = divmod(i, 24)
        weather = 1 + np.random.randint(4)
        temp, hum, wind = np.round(np.random.rand(3), 2)
        casual, registered = np.random.randint(0, 50), np.random.randint(0, 200)
        f.write(f"{i + 1},2011-01-{day + 1:02d},1,0,1,{hour},0,{(6 + day) % 7},{int((6 + day) % 7 not in (0, 6))},"
                f"{weather},{temp},{temp},{hum},{wind},{casual},{registered},{casual + registered}\n")

bikes_numpy = np.loadtxt(
    "hour-fixed.csv",
    dtype=np.float32,
    delimiter=",",
    skiprows=1,
    converters={1: lambda x: float(x[8:10])}) # <1>
bikes = torch.from_numpy(bikes_numpy)
print(bikes)
print(bikes.shape, bikes.stride())
daily_bikes = bikes.view(-1, 24, bikes.shape[1])
print(daily_bikes.shape, daily_bikes.stride())
daily_bikes = daily_bikes.transpose(1, 2)
print(daily_bikes.shape, daily_bikes.stride())
first_day = bikes[:24].long()
weather_onehot = torch.zeros(first_day.shape[0], 4)
print(first_day[:,9])
weather_onehot.scatter_(
    dim=1,
    index=first_day[:,9].unsqueeze(1).long() - 1, # <1>
    value=1.0)
print(weather_onehot)
print(torch.cat((bikes[:24], weather_onehot), 1)[:1])
daily_weather_onehot = torch.zeros(daily_bikes.shape[0], 4, daily_bikes.shape[2])
print(daily_weather_onehot.shape)
daily_weather_onehot.scatter_(
    1, daily_bikes[:,9,:].long().unsqueeze(1) - 1, 1.0)
print(daily_weather_onehot.shape)
daily_bikes = torch.cat((daily_bikes, daily_weather_onehot), dim=1)
daily_bikes[:, 9, :] = (daily_bikes[:, 9, :] - 1.0) / 3.0
temp = daily_bikes[:, 10, :]
temp_min = torch.min(temp)
temp_max = torch.max(temp)
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - temp_min)
                         / (temp_max - temp_min))
temp = daily_bikes[:, 10, :]
daily_bikes[:, 10, :] = ((daily_bikes[:, 10, :] - torch.mean(temp))
                         / torch.std(temp))
print(daily_bikes[:2, 9:12])
print(daily_bikes.shape, daily_bikes.is_contiguous())
'''


IMAGES_AND_TEXT = r'''
import numpy as np
import torch
torch.set_printoptions(edgeitems=2, threshold=50)

# 4.1 images: imageio.imread's H x W x C uint8 arrays, stand-ins of 8 x 8 pixels
img_arr = np.random.randint(0, 256, (8, 8, 3)).astype(np.uint8)
print(img_arr.shape)
img = torch.from_numpy(img_arr)
out = img.permute(2, 0, 1)
print(out.shape, out.stride(), out.is_contiguous(), out.dtype == torch.uint8)
batch_size = 3
batch = torch.zeros(batch_size, 3, 8, 8, dtype=torch.uint8)
for i in range(batch_size):
    img_arr = np.random.randint(0, 256, (8, 8, 4)).astype(np.uint8)  # an RGBA PNG
    img_t = torch.from_numpy(img_arr)
    img_t = img_t.permute(2, 0, 1)
    img_t = img_t[:3] # <1>
    batch[i] = img_t
print(batch[:, :, 0, 0])
batch = batch.float()
batch /= 255.0
print(batch[0, 0, :2])
n_channels = batch.shape[1]
for c in range(n_channels):
    mean = torch.mean(batch[:, c])
    std = torch.std(batch[:, c])
    batch[:, c] = (batch[:, c] - mean) / std
print(batch.mean(dim=(0, 2, 3)), batch.std(dim=(0, 2, 3)))

# 4.2 volumetric data: imageio.volread's D x H x W int16 array
vol_arr = np.random.randint(-1000, 1000, (5, 6, 6)).astype(np.int16)
vol = torch.from_numpy(vol_arr).float()
vol = torch.unsqueeze(vol, 0)
print(vol.shape, vol[0, :2, 0, :3])

# 4.5 text: one-hot characters and words of a line of Pride and Prejudice
text = ("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
        "of a wife.\n“Impossible, Mr. Bennet, impossible, when I am not acquainted with him myself; how can you be so "
        "teasing?”\n")
lines = text.split('\n')
line = lines[1]
print(line)
letter_t = torch.zeros(len(line), 128) # <1>
print(letter_t.shape)
for i, letter in enumerate(line.lower().strip()):
    letter_index = ord(letter) if ord(letter) < 128 else 0  # <1>
    letter_t[i][letter_index] = 1
print(letter_t.sum(), letter_t.argmax(dim=1)[:10])

def clean_words(input_str):
    punctuation = '.,;:"!?”“_-'
    word_list = input_str.lower().replace('\n',' ').split()
    word_list = [word.strip(punctuation) for word in word_list]
    return word_list

words_in_line = clean_words(line)
print(line, words_in_line)
word_list = sorted(set(clean_words(text)))
word2index_dict = {word: i for (i, word) in enumerate(word_list)}
print(len(word2index_dict), word2index_dict['impossible'])
word_t = torch.zeros(len(words_in_line), len(word2index_dict))
for i, word in enumerate(words_in_line):
    word_index = word2index_dict[word]
    word_t[i][word_index] = 1
    print('{:2} {:4} {}'.format(i, word_index, word))
print(word_t.shape)
word_t = word_t.unsqueeze(1)
print(word_t.shape, word_t.sum(dim=(1, 2)))
'''


THERMOMETER = r'''
import torch
torch.set_printoptions(edgeitems=2, linewidth=75)

t_c = [0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c)
t_u = torch.tensor(t_u)

def model(t_u, w, b):
    return w * t_u + b

def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

w = torch.ones(())
b = torch.zeros(())
t_p = model(t_u, w, b)
print(t_p)
loss = loss_fn(t_p, t_c)
print(loss)

x = torch.ones(())
y = torch.ones(3,1)
z = torch.ones(1,3)
a = torch.ones(2, 1, 1)
print(f"shapes: x: {x.shape}, y: {y.shape}")
print(f"        z: {z.shape}, a: {a.shape}")
print("x * y:", (x * y).shape)
print("y * z:", (y * z).shape)
print("y * z * a:", (y * z * a).shape)

delta = 0.1
loss_rate_of_change_w = \
    (loss_fn(model(t_u, w + delta, b), t_c) -
     loss_fn(model(t_u, w - delta, b), t_c)) / (2.0 * delta)
learning_rate = 1e-2
w = w - learning_rate * loss_rate_of_change_w
loss_rate_of_change_b = \
    (loss_fn(model(t_u, w, b + delta), t_c) -
     loss_fn(model(t_u, w, b - delta), t_c)) / (2.0 * delta)
b = b - learning_rate * loss_rate_of_change_b
print(w, b)

def dloss_fn(t_p, t_c):
    dsq_diffs = 2 * (t_p - t_c) / t_p.size(0)  # <1>
    return dsq_diffs

def dmodel_dw(t_u, w, b):
    return t_u

def dmodel_db(t_u, w, b):
    return 1.0

def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])  # <1>

def training_loop(n_epochs, learning_rate, params, t_u, t_c,
                  print_params=True):
    for epoch in range(1, n_epochs + 1):
        w, b = params

        t_p = model(t_u, w, b)  # <1>
        loss = loss_fn(t_p, t_c)
        grad = grad_fn(t_u, t_c, t_p, w, b)  # <2>

        params = params - learning_rate * grad

        if epoch in {1, 2, 3, 10, 11, 99, 100, 4000, 5000}:  # <3>
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
            if print_params:
                print('    Params:', params)
                print('    Grad:  ', grad)
        if epoch in {4, 12, 101}:
            print('...')

        if not torch.isfinite(loss).all():
            break  # <3>

    return params

training_loop(
    n_epochs = 100,
    learning_rate = 1e-2,
    params = torch.tensor([1.0, 0.0]),
    t_u = t_u,
    t_c = t_c)
training_loop(
    n_epochs = 100,
    learning_rate = 1e-4,
    params = torch.tensor([1.0, 0.0]),
    t_u = t_u,
    t_c = t_c)
t_un = 0.1 * t_u
training_loop(
    n_epochs = 100,
    learning_rate = 1e-2,
    params = torch.tensor([1.0, 0.0]),
    t_u = t_un, # <1>
    t_c = t_c)
params = training_loop(
    n_epochs = 5000,
    learning_rate = 1e-2,
    params = torch.tensor([1.0, 0.0]),
    t_u = t_un,
    t_c = t_c,
    print_params = False)
print(params)
t_p = model(t_un, *params)  # <1>
print(t_p.detach().numpy().round(3), t_u.numpy())
'''


AUTOGRAD = r'''
import torch
import torch.optim as optim

t_c = [0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c)
t_u = torch.tensor(t_u)
t_un = 0.1 * t_u

def model(t_u, w, b):
    return w * t_u + b

def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

# 5.5 autograd
params = torch.tensor([1.0, 0.0], requires_grad=True)
print(params.grad is None)
loss = loss_fn(model(t_u, *params), t_c)
loss.backward()
print(params.grad)
if params.grad is not None:
    params.grad.zero_()

def training_loop(n_epochs, learning_rate, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:  # <1>
            params.grad.zero_()

        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        loss.backward()

        with torch.no_grad():  # <2>
            params -= learning_rate * params.grad

        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))

    return params

print(training_loop(
    n_epochs = 1500,  # the book's 5000, shortened (here and below)
    learning_rate = 1e-2,
    params = torch.tensor([1.0, 0.0], requires_grad=True), # <1>
    t_u = t_un, # <2>
    t_c = t_c))

# the first printing's update: a new leaf each step
def training_loop_detach(n_epochs, learning_rate, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:
            params.grad.zero_()
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        loss.backward()
        params = (params - learning_rate * params.grad).detach().requires_grad_()
        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
    return params

print(training_loop_detach(500, 1e-2, torch.tensor([1.0, 0.0], requires_grad=True), t_un, t_c))

# 5.5.2 optimizers a la carte
print('SGD' in dir(optim), 'Adam' in dir(optim))
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-5
optimizer = optim.SGD([params], lr=learning_rate)
t_p = model(t_u, *params)
loss = loss_fn(t_p, t_c)
loss.backward()
optimizer.step()
print(params)
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate)
t_p = model(t_un, *params)
loss = loss_fn(t_p, t_c)
optimizer.zero_grad() # <1>
loss.backward()
optimizer.step()
print(params)

def training_loop(n_epochs, optimizer, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))

    return params

params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate) # <1>
print(training_loop(
    n_epochs = 1500,
    optimizer = optimizer,
    params = params, # <1>
    t_u = t_un,
    t_c = t_c))
params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-1
optimizer = optim.Adam([params], lr=learning_rate) # <1>
print(training_loop(
    n_epochs = 1000,
    optimizer = optimizer,
    params = params,
    t_u = t_u, # <2>
    t_c = t_c))

# 5.5.3 training, validation and overfitting
n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]
print(train_indices, val_indices)  # <1>
train_t_u = t_u[train_indices]
train_t_c = t_c[train_indices]
val_t_u = t_u[val_indices]
val_t_c = t_c[val_indices]
train_t_un = 0.1 * train_t_u
val_t_un = 0.1 * val_t_u

def training_loop(n_epochs, optimizer, params, train_t_u, val_t_u,
                  train_t_c, val_t_c):
    for epoch in range(1, n_epochs + 1):
        train_t_p = model(train_t_u, *params) # <1>
        train_loss = loss_fn(train_t_p, train_t_c)

        val_t_p = model(val_t_u, *params) # <1>
        val_loss = loss_fn(val_t_p, val_t_c)

        optimizer.zero_grad()
        train_loss.backward() # <2>
        optimizer.step()

        if epoch <= 3 or epoch % 500 == 0:
            print(f"Epoch {epoch}, Training loss {train_loss.item():.4f},"
                  f" Validation loss {val_loss.item():.4f}")

    return params

params = torch.tensor([1.0, 0.0], requires_grad=True)
learning_rate = 1e-2
optimizer = optim.SGD([params], lr=learning_rate)
print(training_loop(
    n_epochs = 1000,
    optimizer = optimizer,
    params = params,
    train_t_u = train_t_un, # <1>
    val_t_u = val_t_un, # <1>
    train_t_c = train_t_c,
    val_t_c = val_t_c))

def training_loop(n_epochs, optimizer, params, train_t_u, val_t_u,
                  train_t_c, val_t_c):
    for epoch in range(1, n_epochs + 1):
        train_t_p = model(train_t_u, *params)
        train_loss = loss_fn(train_t_p, train_t_c)

        with torch.no_grad(): # <1>
            val_t_p = model(val_t_u, *params)
            val_loss = loss_fn(val_t_p, val_t_c)
            assert val_loss.requires_grad == False # <2>

        optimizer.zero_grad()
        train_loss.backward()
        optimizer.step()
    return params

print(training_loop(200, optim.SGD([params], lr=1e-2), params, train_t_un, val_t_un, train_t_c, val_t_c))

def calc_forward(t_u, t_c, is_train):
    with torch.set_grad_enabled(is_train):
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
    return loss

print(calc_forward(train_t_un, train_t_c, True).requires_grad,
      calc_forward(val_t_un, val_t_c, False).requires_grad)
'''


NN_LINEAR = r'''
import torch
import torch.nn as nn
import torch.optim as optim
from collections import OrderedDict
torch.set_printoptions(edgeitems=2, linewidth=75)

t_c = [0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c).unsqueeze(1) # <1>
t_u = torch.tensor(t_u).unsqueeze(1) # <1>
print(t_u.shape)

n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]
print(train_indices, val_indices)
t_u_train = t_u[train_indices]
t_c_train = t_c[train_indices]
t_u_val = t_u[val_indices]
t_c_val = t_c[val_indices]
t_un_train = 0.1 * t_u_train
t_un_val = 0.1 * t_u_val

linear_model = nn.Linear(1, 1) # <1>
print(linear_model(t_un_val))
print(linear_model.weight)
print(linear_model.bias)
x = torch.ones(1)
print(linear_model(x))
x = torch.ones(10, 1)
print(linear_model(x))

linear_model = nn.Linear(1, 1) # <1>
optimizer = optim.SGD(
    linear_model.parameters(), # <2>
    lr=1e-2)
print(list(linear_model.parameters()))

def training_loop(n_epochs, optimizer, model, loss_fn, t_u_train, t_u_val,
                  t_c_train, t_c_val):
    for epoch in range(1, n_epochs + 1):
        t_p_train = model(t_u_train) # <1>
        loss_train = loss_fn(t_p_train, t_c_train)

        t_p_val = model(t_u_val) # <1>
        loss_val = loss_fn(t_p_val, t_c_val)

        optimizer.zero_grad()
        loss_train.backward() # <2>
        optimizer.step()

        if epoch == 1 or epoch % 1000 == 0:
            print(f"Epoch {epoch}, Training loss {loss_train.item():.4f},"
                  f" Validation loss {loss_val.item():.4f}")

def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()

linear_model = nn.Linear(1, 1) # <1>
optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)

training_loop(
    n_epochs = 1000,  # the book's 3000, shortened
    optimizer = optimizer,
    model = linear_model,
    loss_fn = loss_fn,
    t_u_train = t_un_train,
    t_u_val = t_un_val,
    t_c_train = t_c_train,
    t_c_val = t_c_val)

print()
print(linear_model.weight)
print(linear_model.bias)

linear_model = nn.Linear(1, 1)
optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)

training_loop(
    n_epochs = 1000,  # the book's 3000, shortened
    optimizer = optimizer,
    model = linear_model,
    loss_fn = nn.MSELoss(), # <1>
    t_u_train = t_un_train,
    t_u_val = t_un_val,
    t_c_train = t_c_train,
    t_c_val = t_c_val)

print()
print(linear_model.weight)
print(linear_model.bias)

seq_model = nn.Sequential(
            nn.Linear(1, 13), # <1>
            nn.Tanh(),
            nn.Linear(13, 1)) # <2>
print(seq_model)
print([param.shape for param in seq_model.parameters()])
for name, param in seq_model.named_parameters():
    print(name, param.shape)

seq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, 8)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(8, 1))
]))
print(seq_model)
for name, param in seq_model.named_parameters():
    print(name, param.shape)
print(seq_model.output_linear.bias)

optimizer = optim.SGD(seq_model.parameters(), lr=1e-3) # <1>

# 1000 epochs, not the book's 5000: from these starting weights the training turns unstable near epoch 1300 (the loss
# jumps from 3.5 to 14), where a difference of one rounding error grows tenfold every 20 epochs, in float64 as well
training_loop(
    n_epochs = 1000,
    optimizer = optimizer,
    model = seq_model,
    loss_fn = nn.MSELoss(),
    t_u_train = t_un_train,
    t_u_val = t_un_val,
    t_c_train = t_c_train,
    t_c_val = t_c_val)

print('output', seq_model(t_un_val))
print('answer', t_c_val)
print('hidden', seq_model.hidden_linear.weight.grad)

t_range = torch.arange(20., 90.).unsqueeze(1)
print(seq_model(0.1 * t_range).detach().numpy()[::10, 0], seq_model(0.1 * t_u).detach().numpy()[:3, 0])

# 6.3 subclassing nn.Module
class SubclassModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden_linear = nn.Linear(1, 13)
        self.hidden_activation = nn.Tanh()
        self.output_linear = nn.Linear(13, 1)

    def forward(self, input):
        hidden_t = self.hidden_linear(input)
        activated_t = self.hidden_activation(hidden_t)
        output_t = self.output_linear(activated_t)

        return output_t

subclass_model = SubclassModel()
print(subclass_model)
namedseq_model = seq_model
for type_str, model in [('seq', nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))),
                        ('namedseq', namedseq_model),
                        ('subclass', subclass_model)]:
    print(type_str)
    for name_str, param in model.named_parameters():
        print("{:21} {:19} {}".format(name_str, str(param.shape), param.numel()))
    print()

class SubclassFunctionalModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden_linear = nn.Linear(1, 14)
                                                # <1>
        self.output_linear = nn.Linear(14, 1)

    def forward(self, input):
        hidden_t = self.hidden_linear(input)
        activated_t = torch.tanh(hidden_t) # <2>
        output_t = self.output_linear(activated_t)

        return output_t

func_model = SubclassFunctionalModel()
print(func_model)
print(func_model(t_un_val))
'''


# CIFAR-2's stand-in: 3x32x32 float images in [0, 1) (transforms.ToTensor's), labels 0 (airplane) and 1 (bird),
# normalised with the book's per-channel means and standard deviations (transforms.Normalize's arithmetic).
CIFAR2 = r'''
import numpy as np
import torch

class_names = ['airplane', 'bird']
mean = torch.tensor([0.4915, 0.4823, 0.4468]).view(3, 1, 1)
std = torch.tensor([0.2470, 0.2435, 0.2616]).view(3, 1, 1)

def cifar2_stand_in(n):
    images = np.random.rand(n, 3, 32, 32).astype(np.float32)
    labels = np.random.randint(0, 2, n)
    images[labels == 1, 2] *= 0.6  # the birds a little less blue than the sky behind the airplanes
    return [((torch.from_numpy(img) - mean) / std, int(label)) for img, label in zip(images, labels)]

cifar2 = cifar2_stand_in(24)
cifar2_val = cifar2_stand_in(12)
'''


BIRDS_VS_AIRPLANES = CIFAR2 + r'''
import torch.nn as nn
import torch.optim as optim
torch.set_printoptions(edgeitems=2, linewidth=75)

# 7.1 the dataset's statistics, as the book computes them for transforms.Normalize
imgs = torch.stack([img_t for img_t, _ in cifar2], dim=3)
print(imgs.shape)
print(imgs.view(3, -1).mean(dim=1))
print(imgs.view(3, -1).std(dim=1))
img_t, label = cifar2[0]
print(img_t.permute(1, 2, 0).shape, class_names[label])

n_out = 2
model = nn.Sequential(
            nn.Linear(
                3072, # <1>
                512, # <2>
            ),
            nn.Tanh(),
            nn.Linear(
                512, # <2>
                n_out, # <3>
            )
        )

def softmax(x):
    return torch.exp(x) / torch.exp(x).sum()

x = torch.tensor([1.0, 2.0, 3.0])
print(softmax(x))
print(softmax(x).sum())
softmax = nn.Softmax(dim=1)
x = torch.tensor([[1.0, 2.0, 3.0],
                  [1.0, 2.0, 3.0]])
print(softmax(x))
model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.Softmax(dim=1))
img, _ = cifar2[0]
img_batch = img.view(-1).unsqueeze(0)
out = model(img_batch)
print(out)
_, index = torch.max(out, dim=1)
print(index)

model = nn.Sequential(
             nn.Linear(3072, 512),
             nn.Tanh(),
             nn.Linear(512, 2),
             nn.LogSoftmax(dim=1))
loss = nn.NLLLoss()
img, label = cifar2[0]
out = model(img.view(-1).unsqueeze(0))
print(loss(out, torch.tensor([label])))

# 7.2.5 training the classifier, one sample at a time
model = nn.Sequential(
            nn.Linear(3072, 512),
            nn.Tanh(),
            nn.Linear(512, 2),
            nn.LogSoftmax(dim=1))
learning_rate = 1e-2
optimizer = optim.SGD(model.parameters(), lr=learning_rate)
loss_fn = nn.NLLLoss()
n_epochs = 2
for epoch in range(n_epochs):
    for img, label in cifar2[:8]:
        out = model(img.view(-1).unsqueeze(0))
        loss = loss_fn(out, torch.tensor([label]))

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

# minibatches from a shuffling DataLoader
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=8,
                                           shuffle=True)
model = nn.Sequential(
            nn.Linear(3072, 128),
            nn.Tanh(),
            nn.Linear(128, 2),
            nn.LogSoftmax(dim=1))
learning_rate = 1e-2
optimizer = optim.SGD(model.parameters(), lr=learning_rate)
loss_fn = nn.NLLLoss()
n_epochs = 3
for epoch in range(n_epochs):
    for imgs, labels in train_loader:
        batch_size = imgs.shape[0]
        outputs = model(imgs.view(batch_size, -1))
        loss = loss_fn(outputs, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print("Epoch: %d, Loss: %f" % (epoch, float(loss)))

val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=8,
                                         shuffle=False)
correct = 0
total = 0
with torch.no_grad():
    for imgs, labels in val_loader:
        batch_size = imgs.shape[0]
        outputs = model(imgs.view(batch_size, -1))
        _, predicted = torch.max(outputs, dim=1)
        total += labels.shape[0]
        correct += int((predicted == labels).sum())
print("Accuracy: %f" % (correct / total))

model = nn.Sequential(
            nn.Linear(3072, 1024),
            nn.Tanh(),
            nn.Linear(1024, 512),
            nn.Tanh(),
            nn.Linear(512, 128),
            nn.Tanh(),
            nn.Linear(128, 2))
loss_fn = nn.CrossEntropyLoss()
numel_list = [p.numel()
              for p in model.parameters()
              if p.requires_grad == True]
print(sum(numel_list), numel_list)
first_model = nn.Sequential(
                nn.Linear(3072, 512),
                nn.Tanh(),
                nn.Linear(512, 2),
                nn.LogSoftmax(dim=1))
numel_list = [p.numel() for p in first_model.parameters()]
print(sum(numel_list), numel_list)
linear = nn.Linear(3072, 1024)
print(linear.weight.shape, linear.bias.shape)
conv = nn.Conv2d(3, 16, kernel_size=3)
print(conv.weight.shape, conv.bias.shape)
imgs, labels = next(iter(val_loader))
print(loss_fn(model(imgs.view(imgs.shape[0], -1)), labels))
'''


CONVOLUTION = CIFAR2 + r'''
import collections
import datetime
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
torch.set_printoptions(edgeitems=2, linewidth=75)

conv = nn.Conv2d(3, 16, kernel_size=3) # <1>
print(conv)
print(conv.weight.shape, conv.bias.shape)
img, _ = cifar2[0]
output = conv(img.unsqueeze(0))
print(img.unsqueeze(0).shape, output.shape)
conv = nn.Conv2d(3, 1, kernel_size=3, padding=1) # <1>
output = conv(img.unsqueeze(0))
print(img.unsqueeze(0).shape, output.shape)
with torch.no_grad():
    conv.bias.zero_()
with torch.no_grad():
    conv.weight.fill_(1.0 / 9.0)
output = conv(img.unsqueeze(0))
print(output[0, 0, :2, :4])
conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)

with torch.no_grad():
    conv.weight[:] = torch.tensor([[-1.0, 0.0, 1.0],
                                   [-1.0, 0.0, 1.0],
                                   [-1.0, 0.0, 1.0]])
    conv.bias.zero_()
output = conv(img.unsqueeze(0))
print(output[0, 0, :2, :4])
pool = nn.MaxPool2d(2)
output = pool(img.unsqueeze(0))
print(img.unsqueeze(0).shape, output.shape)

model = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 8, kernel_size=3, padding=1),
            nn.Tanh(),
            nn.MaxPool2d(2),
            # ... <1>
            nn.Linear(8 * 8 * 8, 32),
            nn.Tanh(),
            nn.Linear(32, 2))
numel_list = [p.numel() for p in model.parameters()]
print(sum(numel_list), numel_list)
try:
    model(img.unsqueeze(0))
except RuntimeError:
    print("size mismatch: the Linear expects 512 features")  # the book's point: an nn.Flatten is missing

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.act1 = nn.Tanh()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.act2 = nn.Tanh()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.act3 = nn.Tanh()
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = out.view(-1, 8 * 8 * 8) # <1>
        out = self.act3(self.fc1(out))
        out = self.fc2(out)
        return out

model = Net()
numel_list = [p.numel() for p in model.parameters()]
print(sum(numel_list), numel_list)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * 8)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out

model = Net()
print(model(img.unsqueeze(0)))

device = (torch.device('cuda') if torch.cuda.is_available()
          else torch.device('cpu'))
print(f"Training on device {device}.")

def training_loop(n_epochs, optimizer, model, loss_fn, train_loader):
    for epoch in range(1, n_epochs + 1):  # <2>
        loss_train = 0.0
        for imgs, labels in train_loader:  # <3>
            imgs = imgs.to(device=device)
            labels = labels.to(device=device)
            outputs = model(imgs)  # <4>

            loss = loss_fn(outputs, labels)  # <5>

            optimizer.zero_grad()  # <6>

            loss.backward()  # <7>

            optimizer.step()  # <8>

            loss_train += loss.item()  # <9>

        if epoch == 1 or epoch % 10 == 0:
            print('{} Epoch {}, Training loss {}'.format(
                datetime.datetime.now(), epoch,
                loss_train / len(train_loader)))  # <10>

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=8,
                                           shuffle=True)  # <1>

model = Net().to(device=device)  # <2>
optimizer = optim.SGD(model.parameters(), lr=1e-2)  # <3>
loss_fn = nn.CrossEntropyLoss()  # <4>

training_loop(  # <5>
    n_epochs = 10,
    optimizer = optimizer,
    model = model,
    loss_fn = loss_fn,
    train_loader = train_loader,
)

train_loader = torch.utils.data.DataLoader(cifar2, batch_size=8,
                                           shuffle=False)
val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=8,
                                         shuffle=False)
all_acc_dict = collections.OrderedDict()

def validate(model, train_loader, val_loader):
    accdict = {}
    for name, loader in [("train", train_loader), ("val", val_loader)]:
        correct = 0
        total = 0

        with torch.no_grad():  # <1>
            for imgs, labels in loader:
                imgs = imgs.to(device=device)
                labels = labels.to(device=device)
                outputs = model(imgs)
                _, predicted = torch.max(outputs, dim=1) # <2>
                total += labels.shape[0]  # <3>
                correct += int((predicted == labels).sum())  # <4>

        print("Accuracy {}: {:.2f}".format(name , correct / total))
        accdict[name] = correct / total
    return accdict

all_acc_dict["baseline"] = validate(model, train_loader, val_loader)

torch.save(model.state_dict(), 'birds_vs_airplanes.pt')
loaded_model = Net()  # <1>
loaded_model.load_state_dict(torch.load('birds_vs_airplanes.pt'))
loaded_model = Net().to(device=device)
loaded_model.load_state_dict(torch.load('birds_vs_airplanes.pt',
                                        map_location=device))
print(validate(loaded_model, train_loader, val_loader) == all_acc_dict["baseline"])
'''


CONVOLUTION_VARIANTS = CIFAR2 + r'''
import datetime
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

device = (torch.device('cuda') if torch.cuda.is_available()
          else torch.device('cpu'))
train_loader = torch.utils.data.DataLoader(cifar2, batch_size=8, shuffle=True)
val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=8, shuffle=False)

def training_loop(n_epochs, optimizer, model, loss_fn, train_loader):
    for epoch in range(1, n_epochs + 1):
        loss_train = 0.0
        for imgs, labels in train_loader:
            imgs = imgs.to(device=device)
            labels = labels.to(device=device)
            outputs = model(imgs)
            loss = loss_fn(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_train += loss.item()
        if epoch == 1 or epoch % 10 == 0:
            print('{} Epoch {}, Training loss {}'.format(
                datetime.datetime.now(), epoch,
                loss_train / len(train_loader)))

def validate(model, train_loader, val_loader):
    accdict = {}
    for name, loader in [("train", train_loader), ("val", val_loader)]:
        correct = 0
        total = 0
        with torch.no_grad():
            for imgs, labels in loader:
                imgs = imgs.to(device=device)
                labels = labels.to(device=device)
                outputs = model(imgs)
                _, predicted = torch.max(outputs, dim=1)
                total += labels.shape[0]
                correct += int((predicted == labels).sum())
        print("Accuracy {}: {:.2f}".format(name , correct / total))
        accdict[name] = correct / total
    return accdict

class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetWidth(n_chans1=32).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
validate(model, train_loader, val_loader)
print(sum(p.numel() for p in model.parameters()))

def training_loop_l2reg(n_epochs, optimizer, model, loss_fn,
                        train_loader):
    for epoch in range(1, n_epochs + 1):
        loss_train = 0.0
        for imgs, labels in train_loader:
            imgs = imgs.to(device=device)
            labels = labels.to(device=device)
            outputs = model(imgs)
            loss = loss_fn(outputs, labels)

            l2_lambda = 0.001
            l2_norm = sum(p.pow(2.0).sum()
                          for p in model.parameters())  # <1>
            loss = loss + l2_lambda * l2_norm

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            loss_train += loss.item()
        if epoch == 1 or epoch % 10 == 0:
            print('{} Epoch {}, Training loss {}'.format(
                datetime.datetime.now(), epoch,
                loss_train / len(train_loader)))

model = NetWidth(n_chans1=16).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
training_loop_l2reg(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn,
                    train_loader = train_loader)
validate(model, train_loader, val_loader)

class NetDropout(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout2d(p=0.4)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv2_dropout = nn.Dropout2d(p=0.4)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = self.conv1_dropout(out)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = self.conv2_dropout(out)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetDropout(n_chans1=16).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
model.eval()
validate(model, train_loader, val_loader)

class NetBatchNorm(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv1_batchnorm = nn.BatchNorm2d(num_features=n_chans1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv2_batchnorm = nn.BatchNorm2d(num_features=n_chans1 // 2)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = self.conv1_batchnorm(self.conv1(x))
        out = F.max_pool2d(torch.tanh(out), 2)
        out = self.conv2_batchnorm(self.conv2(out))
        out = F.max_pool2d(torch.tanh(out), 2)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetBatchNorm(n_chans1=16).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
model.eval()
validate(model, train_loader, val_loader)
print(model.conv1_batchnorm.running_mean[:4], model.conv1_batchnorm.running_var[:4])

class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2,
                               kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = F.max_pool2d(torch.relu(self.conv3(out)), 2)
        out = out.view(-1, 4 * 4 * self.n_chans1 // 2)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetDepth(n_chans1=16).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
validate(model, train_loader, val_loader)

class NetRes(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2,
                               kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out1 = out
        out = F.max_pool2d(torch.relu(self.conv3(out)) + out1, 2)
        out = out.view(-1, 4 * 4 * self.n_chans1 // 2)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetRes(n_chans1=16).to(device=device)
optimizer = optim.SGD(model.parameters(), lr=1e-2)
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
validate(model, train_loader, val_loader)

class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super(ResBlock, self).__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3,
                              padding=1, bias=False)  # <1>
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)
        torch.nn.init.kaiming_normal_(self.conv.weight,
                                      nonlinearity='relu')  # <2>
        torch.nn.init.constant_(self.batch_norm.weight, 0.5)
        torch.nn.init.zeros_(self.batch_norm.bias)

    def forward(self, x):
        out = self.conv(x)
        out = self.batch_norm(out)
        out = torch.relu(out)
        return out + x

class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(
            *(n_blocks * [ResBlock(n_chans=n_chans1)]))
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = self.resblocks(out)
        out = F.max_pool2d(out, 2)
        out = out.view(-1, 8 * 8 * self.n_chans1)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out

model = NetResDeep(n_chans1=8, n_blocks=10).to(device=device)
print(len(list(model.parameters())), sum(p.numel() for p in model.parameters()))
optimizer = optim.SGD(model.parameters(), lr=3e-3)
training_loop(n_epochs = 2, optimizer = optimizer, model = model, loss_fn = loss_fn, train_loader = train_loader)
validate(model, train_loader, val_loader)
'''


PLOTS = CIFAR2 + r'''
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt
import torch.nn as nn
import torch.optim as optim

def drawn():  # what the figure shows, read back from it
    for ax in plt.gcf().axes:
        print([np.round(np.asarray(line.get_ydata(), dtype=float), 4).tolist()[::4] for line in ax.lines],
              [float(np.asarray(image.get_array()).sum()) for image in ax.get_images()])
    plt.close('all')

# 5.4: the thermometer model's fit
t_c = torch.tensor([0.5,  14.0, 15.0, 28.0, 11.0,  8.0,  3.0, -4.0,  6.0, 13.0, 21.0])
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])
params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.SGD([params], lr=1e-2)
for epoch in range(200):
    t_p = params[0] * (0.1 * t_u) + params[1]
    loss = ((t_p - t_c) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
t_p = params[0] * (0.1 * t_u) + params[1]
fig = plt.figure(dpi=60)
plt.xlabel("Temperature (°Fahrenheit)")
plt.ylabel("Temperature (°Celsius)")
plt.plot(t_u.numpy(), t_p.detach().numpy()) # <2>
plt.plot(t_u.numpy(), t_c.numpy(), 'o')
drawn()

# 6.3: the network's fit over the range of temperatures
seq_model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
t_range = torch.arange(20., 90.).unsqueeze(1)
fig = plt.figure(dpi=60)
plt.xlabel("Fahrenheit")
plt.ylabel("Celsius")
plt.plot(t_u.numpy(), t_c.numpy(), 'o')
plt.plot(t_range.numpy(), seq_model(0.1 * t_range).detach().numpy(), 'c-')
plt.plot(t_u.numpy(), seq_model(0.1 * t_u.unsqueeze(1)).detach().numpy(), 'kx')
drawn()

# 7.1: an image of the dataset, channels last (the book passes the tensor itself)
img, label = cifar2[0]
plt.imshow(img.permute(1, 2, 0).clamp(0, 1))
drawn()
'''


PROGRAMS = {"tensors": TENSORS, "named_tensors": NAMED_TENSORS, "wine": WINE, "bikes": BIKES,
            "images_and_text": IMAGES_AND_TEXT,
            "thermometer": THERMOMETER, "autograd": AUTOGRAD, "nn_linear": NN_LINEAR,
            "birds_vs_airplanes": BIRDS_VS_AIRPLANES, "convolution": CONVOLUTION,
            "convolution_variants": CONVOLUTION_VARIANTS, "plots": PLOTS}

# Compared in float64: ten batch-normalised residual blocks (one block, shared, as the book's `n_blocks * [ResBlock]`)
# carry float32 rounding far enough to move the last printed digits.
IN_FLOAT64 = {"convolution_variants"}


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")  # PyTorch's tensors'
def test_dlwpt_program_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    if name == "plots":
        pytest.importorskip("matplotlib")
    compare_with_pytorch(PROGRAMS[name], name, monkeypatch, in_float64=name in IN_FLOAT64, show_tensors=True,
                         fewest=4)  # every program here prints more than three numbers


# -- what the book needed that was missing --

def _storage_facts(lib):
    """The book's storage cells (3.7-3.8), and a little more, as plain numbers and lists."""
    facts = []
    points = lib.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    storage = points.storage()
    facts += [len(storage), storage.size(), storage[0], storage[-1], storage.tolist(), list(storage),
              storage.element_size(), storage.nbytes(), len(points.untyped_storage()),
              points.untyped_storage().nbytes()]
    points_t, second_point = points.t(), points[1]
    facts += [points_t.storage().tolist(), second_point.storage().tolist(),
              points_t.storage().data_ptr() == storage.data_ptr(),
              second_point.storage().data_ptr() == storage.data_ptr(),
              points_t.contiguous().storage().tolist(), points[:, 1].storage().tolist()]
    storage[0] = 2.0  # writes into points, and into its transpose
    points_t.storage()[5] = 9.0
    facts += [points.tolist(), points_t.tolist()]
    clone = storage.clone()
    clone[1] = 100.0
    storage.fill_(7.0)
    facts += [clone.tolist(), points.tolist()]
    facts += [lib.tensor([1, 2, 3]).storage().tolist(), type(lib.tensor([1, 2, 3]).storage()[0]).__name__,
              lib.tensor([True, False]).storage().tolist(), lib.tensor(3.5).storage().tolist(),
              lib.ones(3).expand(2, 3).storage().tolist(), len(lib.zeros(0).storage()),
              lib.arange(6.0).reshape(2, 3)[:, ::2].storage().tolist(), lib.ones(2, 2).untyped_storage()[0]]
    scalar = lib.tensor(3.5)
    scalar.storage()[0] = 1.5  # a 0-d tensor's storage writes into it too
    facts.append(scalar.item())
    for bad in (6, -7):
        with pytest.raises(IndexError, match=f"index {bad} out of range for storage of size 6"):
            storage[bad]
    with pytest.raises(RuntimeError, match="slices are only supported in UntypedStorage"):
        storage[1:3]
    return facts


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")  # PyTorch's, on its storage()
def test_storage_is_pytorchs_view_of_the_memory_under_a_tensor():
    """The book's chapter 3: `points.storage()` lists the six floats under a 3×2 tensor, `points.t()` and
    `points[1]` share them, `points_storage[0] = 2.0` changes `points` (x.storage() was an AttributeError)."""
    ours = _storage_facts(ag)
    assert ours[4] == [1.0, 4.0, 2.0, 1.0, 3.0, 5.0]
    assert "TypedStorage(dtype=float32, device=cpu) of size 6]" in repr(ag.ones(3, 2).storage())
    assert isinstance(ag.ones(2).storage(), ag.TypedStorage)  # torch.TypedStorage, torch.UntypedStorage
    assert isinstance(ag.ones(2).untyped_storage(), ag.UntypedStorage)
    torch = pytest.importorskip("torch")
    assert ours == _storage_facts(torch)


def test_mean_of_an_overflowing_sum_is_silent_as_in_pytorch():
    """The book's diverging thermometer model (learning rate 1e-2 on the unnormalised temperatures): its loss, a
    mean of squares, overflows to inf as PyTorch's does, without NumPy's "overflow encountered in reduce" warning
    from inside NumPy (np.mean's sum runs in NumPy's own module, which the package's warning filter does not
    cover). The mean stays np.mean's, bit for bit."""
    import subprocess
    import sys

    code = ("import autograd_core as ag\nx = ag.tensor([3e38, 3e38], requires_grad=True)\nm = x.mean()\n"
            "m.backward()\nprint(m.item(), x.grad.tolist(), ag.ones(2, 3, dtype=ag.float64).mean(1).tolist())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split() == ["inf", "[0.5,", "0.5]", "[1.0,", "1.0]"]
    rng = np.random.default_rng(0)
    for array in (rng.random((5, 7, 3), dtype=np.float32), rng.random((4, 6)), rng.random((5, 2)).astype(np.float16)):
        for axis in (None, 0, -1, (0, 1)):
            value = ag.tensor(array)
            ours = (value.mean() if axis is None else value.mean(dim=axis)).data
            expected = np.mean(array, axis=axis)
            assert np.asarray(ours).dtype == expected.dtype and np.array_equal(ours, expected), (array.dtype, axis)

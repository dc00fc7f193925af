"""Sebastian Raschka's "Build a Large Language Model (From Scratch)" (rasbt/LLMs-from-scratch), its appendices A
("Introduction to PyTorch"), D ("Adding bells and whistles to the training loop") and E ("Parameter-efficient
fine-tuning with LoRA"), run with `import autograd_core as
torch`, giving PyTorch's numbers; chapters 2 to 6 are tests/test_llms_from_scratch.py.

Each appendix is one program following the book's structure and API calls, in our own words (comments and printed
lines ours):
- appendix A: tensors (dtypes, `.to(torch.float32)`, reshape/view/.T/matmul), the logistic regression's forward
  pass with binary_cross_entropy, `torch.autograd.grad(loss, w1, retain_graph=True)` then `loss.backward()`, the
  NeuralNetwork of Linear and ReLU (its trainable parameter count, `model.layers[0].weight`), a forward pass with
  and without `torch.no_grad()`, ToyDataset with a shuffling DataLoader (drop_last), the SGD training loop printing
  `f"{loss:.2f}"` of a tensor, `model.eval()`, softmax/argmax predictions, compute_accuracy (`correct +=
  torch.sum(compare)`, `(correct / total_examples).item()`), the state dict saved and loaded;
- appendix D: the GPT of chapters 3-4 pretrained as in chapter 5 (the data loader with a stand-in for tiktoken,
  calc_loss_batch's `cross_entropy(logits.flatten(0, 1), target_batch.flatten())`, evaluate_model,
  generate_and_print_sample), learning rate warmup and cosine decay set through `optimizer.param_groups`, gradient
  clipping (find_highest_gradient's `param.grad.data.flatten().max()`, `torch.nn.utils.clip_grad_norm_`), and
  train_model with all three;
- appendix E: the GPT of chapters 3-4 (as its previous_chapters.py has it) made a spam classifier (new out_head),
  LoRALayer (`torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))`, B zeros), LinearWithLoRA,
  replace_linear_with_lora (named_children/setattr, recursively), the trainable parameter counts before and after
  (`requires_grad = False` on every parameter), calc_accuracy_loader (the last token's argmax) and a few epochs of
  train_classifier_simple with AdamW, losses and accuracies printed.
CPU-sized: appendix D's GPT has context 12, width 16, two heads and two layers, trained for 3 epochs on made-up
text (program_harness.synthetic_text); appendix E's GPT has a vocabulary of 50 tokens, context 8, width 16, two
heads and two layers, and LoRA's rank is 4; its spam messages are made up, already token ids (the GPT-2 download,
tiktoken and pandas left out).

It runs with autograd_core alone, and with PyTorch from the same draws (tests/program_harness.py: torch.rand,
layer initialisations, LoRA's kaiming_uniform_ fills and the loader's shuffles replayed from our run; dropout's masks
too) every number printed agrees to float32 precision.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import program_harness
from program_harness import FLOAT32_RTOL, assert_runs, reported_numbers, run, run_both, synthetic_text, with_our_imports

import autograd_core as ag

APPENDIX_A = r'''
import torch
import torch.nn.functional as F
from torch.autograd import grad
from torch.utils.data import Dataset, DataLoader

tensor0d = torch.tensor(1)
tensor1d = torch.tensor([1, 2, 3])
tensor2d = torch.tensor([[1, 2], [3, 4]])
tensor3d = torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
print(tensor1d.dtype, tensor2d.shape, tensor3d.shape)
floatvec = torch.tensor([1.0, 2.0, 3.0])
print(floatvec.dtype)
floatvec = tensor1d.to(torch.float32)
print(floatvec.dtype)

tensor2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor2d)
print("shape", tensor2d.shape)
print(tensor2d.reshape(3, 2))
print(tensor2d.view(3, 2))
print(tensor2d.T)
print(tensor2d.matmul(tensor2d.T))
print(tensor2d @ tensor2d.T)

# a logistic regression's forward pass, and its gradients two ways
y = torch.tensor([1.0])
x1 = torch.tensor([1.1])
w1 = torch.tensor([2.2], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)
z = x1 * w1 + b
a = torch.sigmoid(z)
loss = F.binary_cross_entropy(a, y)
print(loss)
grad_L_w1 = grad(loss, w1, retain_graph=True)
grad_L_b = grad(loss, b, retain_graph=True)
print(grad_L_w1)
print(grad_L_b)
loss.backward()
print(w1.grad)
print(b.grad)


class NeuralNetwork(torch.nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.layers = torch.nn.Sequential(
            # the first hidden layer
            torch.nn.Linear(num_inputs, 30),
            torch.nn.ReLU(),
            # the second hidden layer
            torch.nn.Linear(30, 20),
            torch.nn.ReLU(),
            # the output layer
            torch.nn.Linear(20, num_outputs),
        )

    def forward(self, x):
        logits = self.layers(x)
        return logits


model = NeuralNetwork(50, 3)
num_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print("Total number of trainable model parameters:", num_params)
print(model.layers[0].weight[:2, :5])
print("first layer's weight shape", model.layers[0].weight.shape)

torch.manual_seed(123)
model = NeuralNetwork(50, 3)
X = torch.rand((1, 50))
out = model(X)
print(out, out.grad_fn is not None)
with torch.no_grad():
    out = model(X)
print(out, out.requires_grad)
with torch.no_grad():
    out = torch.softmax(model(X), dim=1)
print(out)

X_train = torch.tensor([
    [-1.2, 3.1],
    [-0.9, 2.9],
    [-0.5, 2.6],
    [2.3, -1.1],
    [2.7, -1.5],
])
y_train = torch.tensor([0, 0, 0, 1, 1])
X_test = torch.tensor([
    [-0.8, 2.8],
    [2.6, -1.6],
])
y_test = torch.tensor([0, 1])


class ToyDataset(Dataset):
    def __init__(self, X, y):
        self.features = X
        self.labels = y

    def __getitem__(self, index):
        one_x = self.features[index]
        one_y = self.labels[index]
        return one_x, one_y

    def __len__(self):
        return self.labels.shape[0]


train_ds = ToyDataset(X_train, y_train)
test_ds = ToyDataset(X_test, y_test)
print("training examples", len(train_ds))

torch.manual_seed(123)
train_loader = DataLoader(dataset=train_ds, batch_size=2, shuffle=True, num_workers=0, drop_last=True)
test_loader = DataLoader(dataset=test_ds, batch_size=2, shuffle=False, num_workers=0)
for idx, (x, y) in enumerate(train_loader):
    print(f"Batch {idx+1}:", x, y)

torch.manual_seed(123)
model = NeuralNetwork(num_inputs=2, num_outputs=2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
num_epochs = 3
for epoch in range(num_epochs):
    model.train()
    for batch_idx, (features, labels) in enumerate(train_loader):
        logits = model(features)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"Epoch: {epoch+1:03d}/{num_epochs:03d}"
              f" | Batch {batch_idx:03d}/{len(train_loader):03d}"
              f" | Train Loss: {loss:.2f}")
    model.eval()

model.eval()
with torch.no_grad():
    outputs = model(X_train)
print(outputs)
torch.set_printoptions(sci_mode=False)
probas = torch.softmax(outputs, dim=1)
print(probas)
predictions = torch.argmax(probas, dim=1)
print(predictions)
predictions = torch.argmax(outputs, dim=1)
print(predictions)
print(predictions == y_train)
print(torch.sum(predictions == y_train))


def compute_accuracy(model, dataloader):
    model = model.eval()
    correct = 0.0
    total_examples = 0
    for idx, (features, labels) in enumerate(dataloader):
        with torch.no_grad():
            logits = model(features)
        predictions = torch.argmax(logits, dim=1)
        compare = labels == predictions
        correct += torch.sum(compare)
        total_examples += len(compare)
    return (correct / total_examples).item()


print("training accuracy", compute_accuracy(model, train_loader))
print("test accuracy", compute_accuracy(model, test_loader))

torch.save(model.state_dict(), "model.pth")
model = NeuralNetwork(2, 2)
print("after a new start", compute_accuracy(model, test_loader) >= 0)
model.load_state_dict(torch.load("model.pth", weights_only=True))
print("reloaded test accuracy", compute_accuracy(model, test_loader))
with torch.no_grad():
    print(model(X_test))
'''

# ---- appendices D and E: the GPT of chapters 3 and 4, as their previous_chapters.py has it ----

GPT_DEFINITIONS = r'''
import math
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class MultiHeadAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        b, num_tokens, d_in = x.shape
        # (b, num_tokens, d_out) -> (b, num_heads, num_tokens, head_dim)
        keys = self.W_key(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)
        mask_bool = self.mask.bool()[:num_tokens, :num_tokens]
        attn_scores.masked_fill_(mask_bool, -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        context_vec = (attn_weights @ values).transpose(1, 2)
        context_vec = context_vec.reshape(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)


class LayerNorm(nn.Module):
    def __init__(self, emb_dim):
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        return self.scale * (x - mean) / torch.sqrt(var + self.eps) + self.shift


class GELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3))))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(cfg["emb_dim"], 4 * cfg["emb_dim"]),
            GELU(),
            nn.Linear(4 * cfg["emb_dim"], cfg["emb_dim"]),
        )

    def forward(self, x):
        return self.layers(x)


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.att = MultiHeadAttention(d_in=cfg["emb_dim"], d_out=cfg["emb_dim"], context_length=cfg["context_length"],
                                      num_heads=cfg["n_heads"], dropout=cfg["drop_rate"], qkv_bias=cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])
        self.drop_resid = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):
        shortcut = x
        x = self.drop_resid(self.att(self.norm1(x)))
        x = x + shortcut
        shortcut = x
        x = self.drop_resid(self.ff(self.norm2(x)))
        return x + shortcut


class GPTModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)

    def forward(self, in_idx):
        batch_size, seq_len = in_idx.shape
        tok_embeds = self.tok_emb(in_idx)
        pos_embeds = self.pos_emb(torch.arange(seq_len, device=in_idx.device))
        x = self.drop_emb(tok_embeds + pos_embeds)
        x = self.trf_blocks(x)
        x = self.final_norm(x)
        return self.out_head(x)


def generate_text_simple(model, idx, max_new_tokens, context_size):
    for _ in range(max_new_tokens):
        idx_cond = idx[:, -context_size:]  # the last context_size tokens at most
        with torch.no_grad():
            logits = model(idx_cond)
        logits = logits[:, -1, :]  # (batch, n_tokens, vocab_size) -> (batch, vocab_size)
        idx_next = torch.argmax(logits, dim=-1, keepdim=True)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx
'''

# ch02's data loader and ch05's pretraining functions, for appendix D (and ch07, tests/test_llms_from_scratch_ch07.py)
LM_DEFINITIONS = r'''
import re


PIECES = r" ?\w+| ?[^\w\s]|\s+"


class WordTokenizer:
    """Stands in for tiktoken's GPT-2 encoding: the words and punctuation of the text it is made from, each with the
    space before it (as GPT-2's " the"), and runs of other white space, each a token; characters for other words (as
    byte-pair encoding falls back to smaller pieces), and <|endoftext|> the last id, as GPT-2's. decode(encode(text))
    is the text."""

    def __init__(self, text):
        self.itos = sorted(set(re.findall(PIECES, text)) | set(text)) + ["<|endoftext|>"]
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        self.n_vocab = len(self.itos)

    def encode(self, text, allowed_special=()):
        ids = []
        for piece in re.split(r"(<\|endoftext\|>)", text):
            if piece == "<|endoftext|>" and piece in allowed_special:
                ids.append(self.n_vocab - 1)
            else:
                for word in re.findall(PIECES, piece):
                    ids.extend([self.stoi[word]] if word in self.stoi else [self.stoi[c] for c in word])
        return ids

    def decode(self, ids):
        return "".join(self.itos[i] for i in ids)


class GPTDatasetV1(Dataset):
    def __init__(self, txt, tokenizer, max_length, stride):
        self.input_ids = []
        self.target_ids = []
        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        for i in range(0, len(token_ids) - max_length, stride):  # overlapping windows of max_length tokens
            self.input_ids.append(torch.tensor(token_ids[i:i + max_length]))
            self.target_ids.append(torch.tensor(token_ids[i + 1:i + max_length + 1]))

    def __len__(self):
        return len(self.input_ids)

    def __getitem__(self, idx):
        return self.input_ids[idx], self.target_ids[idx]


def create_dataloader_v1(txt, tokenizer, batch_size=4, max_length=256, stride=128, shuffle=True, drop_last=True,
                         num_workers=0):
    dataset = GPTDatasetV1(txt, tokenizer, max_length, stride)  # the book's makes tiktoken's GPT-2 tokenizer here
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, num_workers=num_workers)


def text_to_token_ids(text, tokenizer):
    encoded = tokenizer.encode(text, allowed_special={"<|endoftext|>"})
    return torch.tensor(encoded).unsqueeze(0)  # a batch of one


def token_ids_to_text(token_ids, tokenizer):
    flat = token_ids.squeeze(0)
    return tokenizer.decode(flat.tolist())


def calc_loss_batch(input_batch, target_batch, model, device):
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), target_batch.flatten())


def calc_loss_loader(data_loader, model, device, num_batches=None):
    total_loss = 0.
    if len(data_loader) == 0:
        return float("nan")
    elif num_batches is None:
        num_batches = len(data_loader)
    else:
        num_batches = min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i < num_batches:
            total_loss += calc_loss_batch(input_batch, target_batch, model, device).item()
        else:
            break
    return total_loss / num_batches


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    model.eval()
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, model, device, num_batches=eval_iter)
        val_loss = calc_loss_loader(val_loader, model, device, num_batches=eval_iter)
    model.train()
    return train_loss, val_loss


def generate_and_print_sample(model, tokenizer, device, start_context):
    model.eval()
    context_size = model.pos_emb.weight.shape[0]
    encoded = text_to_token_ids(start_context, tokenizer).to(device)
    with torch.no_grad():
        token_ids = generate_text_simple(model=model, idx=encoded, max_new_tokens=12, context_size=context_size)
    decoded_text = token_ids_to_text(token_ids, tokenizer)
    print(decoded_text.replace("\n", " "))
    model.train()
'''

APPENDIX_D = GPT_DEFINITIONS + LM_DEFINITIONS + r'''
import math

with open("the-verdict.txt", "r", encoding="utf-8") as file:
    text_data = file.read()
tokenizer = WordTokenizer(text_data)

GPT_CONFIG_124M = {
    "vocab_size": tokenizer.n_vocab,  # 50257 in GPT-2
    "context_length": 12,  # 256 in the book's appendix D
    "emb_dim": 16,  # 768
    "n_heads": 2,  # 12
    "n_layers": 2,  # 12
    "drop_rate": 0.1,
    "qkv_bias": False,
}
device = torch.device("cpu")
torch.manual_seed(123)
model = GPTModel(GPT_CONFIG_124M)
model.eval()

train_ratio = 0.90
split_idx = int(train_ratio * len(text_data))
torch.manual_seed(123)
train_loader = create_dataloader_v1(text_data[:split_idx], tokenizer, batch_size=4,
                                    max_length=GPT_CONFIG_124M["context_length"],
                                    stride=GPT_CONFIG_124M["context_length"], drop_last=True, shuffle=True,
                                    num_workers=0)
val_loader = create_dataloader_v1(text_data[split_idx:], tokenizer, batch_size=4,
                                  max_length=GPT_CONFIG_124M["context_length"],
                                  stride=GPT_CONFIG_124M["context_length"], drop_last=False, shuffle=False,
                                  num_workers=0)
print("training batches", len(train_loader), "validation batches", len(val_loader))

# D.1 learning rate warmup
n_epochs = 3
initial_lr = 0.0001
peak_lr = 0.01
total_steps = len(train_loader) * n_epochs
warmup_steps = int(0.2 * total_steps)
print("warmup steps", warmup_steps, "of", total_steps)
optimizer = torch.optim.AdamW(model.parameters(), weight_decay=0.1)
lr_increment = (peak_lr - initial_lr) / warmup_steps
global_step = -1
track_lrs = []
for epoch in range(n_epochs):
    for input_batch, target_batch in train_loader:
        optimizer.zero_grad()
        global_step += 1
        if global_step < warmup_steps:
            lr = initial_lr + global_step * lr_increment
        else:
            lr = peak_lr
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        track_lrs.append(optimizer.param_groups[0]["lr"])
print("warmup", [round(lr, 6) for lr in track_lrs[:warmup_steps + 1]])

# D.2 cosine decay
min_lr = 0.1 * initial_lr
track_lrs = []
lr_increment = (peak_lr - initial_lr) / warmup_steps
global_step = -1
for epoch in range(n_epochs):
    for input_batch, target_batch in train_loader:
        optimizer.zero_grad()
        global_step += 1
        if global_step < warmup_steps:
            lr = initial_lr + global_step * lr_increment
        else:
            progress = (global_step - warmup_steps) / (total_steps - warmup_steps)
            lr = min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        track_lrs.append(optimizer.param_groups[0]["lr"])
print("cosine", [round(lr, 6) for lr in track_lrs])

# D.3 gradient clipping, on the last training batch of the loops above
torch.manual_seed(123)
model = GPTModel(GPT_CONFIG_124M)
model.to(device)
loss = calc_loss_batch(input_batch, target_batch, model, device)
loss.backward()


def find_highest_gradient(model):
    max_grad = None
    for param in model.parameters():
        if param.grad is not None:
            grad_values = param.grad.data.flatten()
            max_grad_param = grad_values.max()
            if max_grad is None or max_grad_param > max_grad:
                max_grad = max_grad_param
    return max_grad


print("highest gradient", float(find_highest_gradient(model)))
# max_norm=1.0 in the book, whose GPT-2's gradient is larger than this small model's (its norm under 1)
total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
print("norm before clipping", float(total_norm))
print("highest gradient after clipping", float(find_highest_gradient(model)))
norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
print("norm after clipping", norm)


# D.4 the training function with all three
def train_model(model, train_loader, val_loader, optimizer, device, n_epochs, eval_freq, eval_iter, start_context,
                tokenizer, warmup_steps, initial_lr=3e-05, min_lr=1e-6):
    train_losses, val_losses, track_tokens_seen, track_lrs = [], [], [], []
    tokens_seen, global_step = 0, -1
    peak_lr = optimizer.param_groups[0]["lr"]  # the optimizer's own is the peak
    total_training_steps = len(train_loader) * n_epochs
    lr_increment = (peak_lr - initial_lr) / warmup_steps
    for epoch in range(n_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            global_step += 1
            if global_step < warmup_steps:
                lr = initial_lr + global_step * lr_increment
            else:
                progress = (global_step - warmup_steps) / (total_training_steps - warmup_steps)
                lr = min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
            for param_group in optimizer.param_groups:
                param_group["lr"] = lr
            track_lrs.append(lr)
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            if global_step >= warmup_steps:  # clipped after the warmup only
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            tokens_seen += input_batch.numel()
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                track_tokens_seen.append(tokens_seen)
                print(f"Ep {epoch+1} (Iter {global_step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, track_tokens_seen, track_lrs


torch.manual_seed(123)
model = GPTModel(GPT_CONFIG_124M)
model.to(device)
peak_lr = 0.01  # 0.001 in the book
optimizer = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=0.1)
n_epochs = 3  # 15
train_losses, val_losses, tokens_seen, lrs = train_model(
    model, train_loader, val_loader, optimizer, device, n_epochs=n_epochs, eval_freq=5, eval_iter=1,
    start_context="the cat", tokenizer=tokenizer, warmup_steps=warmup_steps, initial_lr=1e-5, min_lr=1e-5)
print("learning rates", [round(lr, 6) for lr in lrs[::4]])
print("tokens seen", tokens_seen)
'''

# ch06's classifier training, for appendix E
CLASSIFIER_DEFINITIONS = r'''

class SpamDataset(Dataset):
    """The book's reads a CSV with pandas and encodes it with tiktoken; ours takes (label, token ids) pairs."""

    def __init__(self, messages, max_length=None, pad_token_id=0):
        self.labels = [label for label, _ in messages]
        self.encoded_texts = [ids for _, ids in messages]
        if max_length is None:
            self.max_length = self._longest_encoded_length()
        else:
            self.max_length = max_length
            self.encoded_texts = [encoded_text[:self.max_length] for encoded_text in self.encoded_texts]
        self.encoded_texts = [encoded_text + [pad_token_id] * (self.max_length - len(encoded_text))
                              for encoded_text in self.encoded_texts]

    def __getitem__(self, index):
        return (torch.tensor(self.encoded_texts[index], dtype=torch.long),
                torch.tensor(self.labels[index], dtype=torch.long))

    def __len__(self):
        return len(self.labels)

    def _longest_encoded_length(self):
        return max(len(encoded_text) for encoded_text in self.encoded_texts)


def calc_accuracy_loader(data_loader, model, device, num_batches=None):
    model.eval()
    correct_predictions, num_examples = 0, 0
    if num_batches is None:
        num_batches = len(data_loader)
    else:
        num_batches = min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i < num_batches:
            input_batch, target_batch = input_batch.to(device), target_batch.to(device)
            with torch.no_grad():
                logits = model(input_batch)[:, -1, :]  # the last output token's logits
            predicted_labels = torch.argmax(logits, dim=-1)
            num_examples += predicted_labels.shape[0]
            correct_predictions += (predicted_labels == target_batch).sum().item()
        else:
            break
    return correct_predictions / num_examples


def calc_loss_batch(input_batch, target_batch, model, device):
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)[:, -1, :]
    return torch.nn.functional.cross_entropy(logits, target_batch)


def calc_loss_loader(data_loader, model, device, num_batches=None):
    total_loss = 0.
    if len(data_loader) == 0:
        return float("nan")
    elif num_batches is None:
        num_batches = len(data_loader)
    else:
        num_batches = min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i < num_batches:
            total_loss += calc_loss_batch(input_batch, target_batch, model, device).item()
        else:
            break
    return total_loss / num_batches


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    model.eval()
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, model, device, num_batches=eval_iter)
        val_loss = calc_loss_loader(val_loader, model, device, num_batches=eval_iter)
    model.train()
    return train_loss, val_loss


def train_classifier_simple(model, train_loader, val_loader, optimizer, device, num_epochs, eval_freq, eval_iter):
    train_losses, val_losses, train_accs, val_accs = [], [], [], []
    examples_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()
            examples_seen += input_batch.shape[0]
            global_step += 1
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                print(f"Ep {epoch+1} (Step {global_step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        train_accuracy = calc_accuracy_loader(train_loader, model, device, num_batches=eval_iter)
        val_accuracy = calc_accuracy_loader(val_loader, model, device, num_batches=eval_iter)
        print(f"Training accuracy: {train_accuracy*100:.2f}% | ", end="")
        print(f"Validation accuracy: {val_accuracy*100:.2f}%")
        train_accs.append(train_accuracy)
        val_accs.append(val_accuracy)
    return train_losses, val_losses, train_accs, val_accs, examples_seen
'''

APPENDIX_E = GPT_DEFINITIONS + CLASSIFIER_DEFINITIONS + r'''

# Made-up messages, already token ids: a spam message's words are tokens 30 and up, a ham one's below 30.
import random
rng = random.Random(7)


def message(spam):
    words = [rng.randrange(30, 50) if spam else rng.randrange(1, 30) for _ in range(rng.randrange(3, 8))]
    return (1 if spam else 0), words


train_df = [message(i % 2 == 1) for i in range(24)]
validation_df = [message(i % 2 == 1) for i in range(8)]
test_df = [message(i % 2 == 0) for i in range(8)]
train_dataset = SpamDataset(train_df, max_length=None, pad_token_id=0)
val_dataset = SpamDataset(validation_df, max_length=train_dataset.max_length, pad_token_id=0)
test_dataset = SpamDataset(test_df, max_length=train_dataset.max_length, pad_token_id=0)
print("longest message", train_dataset.max_length)

num_workers = 0
batch_size = 8
torch.manual_seed(123)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers,
                          drop_last=True)
val_loader = DataLoader(dataset=val_dataset, batch_size=batch_size, num_workers=num_workers, drop_last=False)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, num_workers=num_workers, drop_last=False)
print(f"{len(train_loader)} training batches")
print(f"{len(val_loader)} validation batches")
print(f"{len(test_loader)} test batches")

BASE_CONFIG = {
    "vocab_size": 50,  # 50257 in GPT-2
    "context_length": 8,  # 1024 in GPT-2
    "drop_rate": 0.0,
    "qkv_bias": True,
    "emb_dim": 16,  # 768 in GPT-2 small
    "n_layers": 2,  # 12
    "n_heads": 2,  # 12
}
torch.manual_seed(123)
model = GPTModel(BASE_CONFIG)  # the book loads GPT-2's pretrained weights into it here
model.eval()
device = torch.device("cpu")

torch.manual_seed(123)
num_classes = 2
model.out_head = torch.nn.Linear(in_features=BASE_CONFIG["emb_dim"], out_features=num_classes)
model.to(device)
torch.manual_seed(123)
train_accuracy = calc_accuracy_loader(train_loader, model, device, num_batches=10)
val_accuracy = calc_accuracy_loader(val_loader, model, device, num_batches=10)
test_accuracy = calc_accuracy_loader(test_loader, model, device, num_batches=10)
print(f"Training accuracy: {train_accuracy*100:.2f}%")
print(f"Validation accuracy: {val_accuracy*100:.2f}%")
print(f"Test accuracy: {test_accuracy*100:.2f}%")


class LoRALayer(torch.nn.Module):
    def __init__(self, in_dim, out_dim, rank, alpha):
        super().__init__()
        self.A = torch.nn.Parameter(torch.empty(in_dim, rank))
        torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # as nn.Linear initialises its weight
        self.B = torch.nn.Parameter(torch.zeros(rank, out_dim))  # zero: the layer starts as the one it adapts
        self.alpha = alpha

    def forward(self, x):
        x = self.alpha * (x @ self.A @ self.B)
        return x


class LinearWithLoRA(torch.nn.Module):
    def __init__(self, linear, rank, alpha):
        super().__init__()
        self.linear = linear
        self.lora = LoRALayer(linear.in_features, linear.out_features, rank, alpha)

    def forward(self, x):
        return self.linear(x) + self.lora(x)


def replace_linear_with_lora(model, rank, alpha):
    for name, module in model.named_children():
        if isinstance(module, torch.nn.Linear):
            setattr(model, name, LinearWithLoRA(module, rank, alpha))
        else:
            replace_linear_with_lora(module, rank, alpha)


total_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"Total trainable parameters before: {total_params:,}")
for param in model.parameters():
    param.requires_grad = False
total_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"Total trainable parameters after: {total_params:,}")

replace_linear_with_lora(model, rank=4, alpha=8)  # rank=16, alpha=16 in the book
total_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"Total trainable LoRA parameters: {total_params:,}")
print("wrapped layers", sum(isinstance(m, LinearWithLoRA) for m in model.modules()))
print("out_head", type(model.out_head).__name__, model.out_head.lora.A.shape, model.out_head.lora.B.shape)

torch.manual_seed(123)
train_accuracy = calc_accuracy_loader(train_loader, model, device, num_batches=10)
val_accuracy = calc_accuracy_loader(val_loader, model, device, num_batches=10)
print(f"Training accuracy with LoRA (B zero): {train_accuracy*100:.2f}%")
print(f"Validation accuracy with LoRA (B zero): {val_accuracy*100:.2f}%")

torch.manual_seed(123)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)  # lr=5e-5 in the book
num_epochs = 6
train_losses, val_losses, train_accs, val_accs, examples_seen = train_classifier_simple(
    model, train_loader, val_loader, optimizer, device, num_epochs=num_epochs, eval_freq=3, eval_iter=5)
print("examples seen", examples_seen)
print("frozen weights unchanged", all(p.grad is None for n, p in model.named_parameters() if "lora" not in n))

train_accuracy = calc_accuracy_loader(train_loader, model, device)
val_accuracy = calc_accuracy_loader(val_loader, model, device)
test_accuracy = calc_accuracy_loader(test_loader, model, device)
print(f"Training accuracy: {train_accuracy*100:.2f}%")
print(f"Validation accuracy: {val_accuracy*100:.2f}%")
print(f"Test accuracy: {test_accuracy*100:.2f}%")
print("B of the first query", model.trf_blocks[0].att.W_query.lora.B[:, :4])
'''


def compare(program, name, monkeypatch, fewest, same_lines=None):
    """What the program prints with autograd_core and with PyTorch from the same draws: the same numbers to float32
    precision, `fewest` or more, and the same lines that start with `same_lines` (generated text); both printouts,
    ours first."""
    (_, ours), (_, theirs) = run_both(program, name, monkeypatch, show_tensors=True)
    message = f"ours:\n{ours}\nPyTorch:\n{theirs}"
    our_numbers, their_numbers = reported_numbers(ours), reported_numbers(theirs)
    assert len(our_numbers) == len(their_numbers) >= fewest, message
    np.testing.assert_allclose(our_numbers, their_numbers, rtol=FLOAT32_RTOL, atol=1.5e-4, err_msg=message)
    if same_lines is not None:
        texts = [[line for line in printed.splitlines() if line.startswith(same_lines)] for printed in (ours, theirs)]
        assert texts[0] == texts[1] and texts[0], message
    return ours, theirs


@pytest.fixture
def the_verdict(tmp_path, monkeypatch):
    """Made-up text in the place of Edith Wharton's "The Verdict", in the working directory as the book has it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "the-verdict.txt").write_text(synthetic_text(80), encoding="utf-8")
    return tmp_path


def run_ours(program, name):
    ag.manual_seed(0)
    return run(with_our_imports(program), name)


LOSS = re.compile(r"Train Loss: ([\d.]+)")


def test_appendix_a_runs_with_autograd_core(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_runs(APPENDIX_A, "llms_appendix_a", show_tensors=True)
    namespace, printed = run_ours(APPENDIX_A, "llms_appendix_a")
    # binary cross-entropy of sigmoid(w1 x1 + b): its gradient is (a - y) x1 for w1, a - y for b, both ways
    a, x1 = 1 / (1 + np.exp(-2.2 * 1.1)), 1.1
    for name, expected in (("grad_L_w1", (a - 1) * x1), ("grad_L_b", a - 1)):
        np.testing.assert_allclose(np.asarray(namespace[name][0]), [expected], rtol=1e-6)
    np.testing.assert_allclose(namespace["w1"].grad, [(a - 1) * x1], rtol=1e-6)
    assert namespace["num_params"] == 50 * 30 + 30 + 30 * 20 + 20 + 20 * 3 + 3
    losses = [float(v) for v in LOSS.findall(printed)]
    assert len(losses) == 6 and max(losses[-2:]) < min(losses[:2]) / 10, printed  # 3 epochs of 2 batches
    assert "training accuracy 1.0" in printed and "reloaded test accuracy 1.0" in printed, printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pth"]


def test_appendix_a_gives_pytorchs_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    compare(APPENDIX_A, "llms_appendix_a", monkeypatch, fewest=100)


ITER = re.compile(r"Ep (\d+) \(Iter (\d+)\): Train loss ([\d.]+), Val loss ([\d.]+)")
STEP = re.compile(r"Ep (\d+) \(Step (\d+)\): Train loss ([\d.]+), Val loss ([\d.]+)")


def test_appendix_d_runs_with_autograd_core(the_verdict):
    assert_runs(APPENDIX_D, "llms_appendix_d", show_tensors=True)
    namespace, printed = run_ours(APPENDIX_D, "llms_appendix_d")
    steps = [(int(s), float(t), float(v)) for _, s, t, v in ITER.findall(printed)]
    assert steps and steps[-1][1] < steps[0][1] - 1.0, printed
    before, after = (float(re.search(rf"norm {when} clipping (\S+)", printed)[1]) for when in ("before", "after"))
    assert before > 0.5 and after == pytest.approx(0.5, rel=1e-4), printed
    lrs, warmup = namespace["lrs"], namespace["warmup_steps"]
    assert lrs[warmup] == pytest.approx(0.01) and lrs[-1] < 0.001 and lrs[0] == pytest.approx(1e-5)
    assert np.all(np.diff(lrs[:warmup + 1]) > 0) and np.all(np.diff(lrs[warmup:]) < 0)


def test_appendix_d_gives_pytorchs_numbers(the_verdict, monkeypatch):
    compare(APPENDIX_D, "llms_appendix_d", monkeypatch, fewest=60, same_lines="the cat")


def test_appendix_e_runs_with_autograd_core(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_runs(APPENDIX_E, "llms_appendix_e", show_tensors=True)
    namespace, printed = run_ours(APPENDIX_E, "llms_appendix_e")
    model, E, V, C, L, r = namespace["model"], 16, 50, 8, 2, 4
    # every Linear wrapped (4 of the attention's, 2 of the feed-forward's a block, the new out_head); only A and B
    # train, (in + out) * rank numbers a layer
    lora_per_block = 4 * (E + E) * r + (E + 4 * E) * r + (4 * E + E) * r
    assert f"Total trainable LoRA parameters: {L * lora_per_block + (E + 2) * r:,}" in printed, printed
    assert "wrapped layers 13" in printed and "Total trainable parameters after: 0" in printed, printed
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.endswith(("lora.A", "lora.B")) for n in trainable)
    block = 3 * (E * E + E) + E * E + E + E * 4 * E + 4 * E + 4 * E * E + E + 4 * E
    assert f"Total trainable parameters before: {V * E + C * E + L * block + 2 * E + E * 2 + 2:,}" in printed, printed
    # B starts at zero: LoRA changes nothing until it trains
    before = re.findall(r"Training accuracy: ([\d.]+)%\n", printed)[0]
    assert f"Training accuracy with LoRA (B zero): {before}%" in printed, printed
    steps = [(int(s), float(t), float(v)) for _, s, t, v in STEP.findall(printed)]
    assert [s for s, _, _ in steps] == list(range(0, 3 * namespace["num_epochs"], 3)), printed
    assert steps[-1][1] < steps[0][1] - 0.5, printed
    final = float(re.findall(r"^Training accuracy: ([\d.]+)%$", printed, re.M)[-1])
    assert final >= 90 > float(before), printed
    assert "frozen weights unchanged True" in printed and np.abs(model.out_head.lora.B.data).max() > 0


def test_appendix_e_gives_pytorchs_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # LoRALayer's nn.init.kaiming_uniform_ fill replayed as nn.init's other fills are (not the harness's default:
    # our torchvision models fill with it inside, where PyTorch's replayed layers draw nothing)
    monkeypatch.setattr(program_harness, "FILLS", program_harness.FILLS + ("kaiming_uniform_",))
    compare(APPENDIX_E, "llms_appendix_e", monkeypatch, fewest=30)

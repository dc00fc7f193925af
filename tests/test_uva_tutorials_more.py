"""The University of Amsterdam Deep Learning course's later tutorials (Phillip Lippe's uvadlc_notebooks, also the
lightning.ai "course_UvA-DL" pages) run with `import autograd_core as torch`, and giving PyTorch's numbers.

Tutorial 7 (graph neural networks): GCNLayer and GATLayer by hand on the tutorial's 4-node graph (its printed
outputs, checked below) and a few steps on a small random graph. Tutorial 8 (deep energy-based models): the Swish
CNN, the Sampler's Langevin dynamics on `inp_imgs.data` and `inp_imgs.grad`, the contrastive-divergence loss with
its regularisation. Tutorial 9 (deep autoencoders): Encoder/Decoder with ConvTranspose2d's output_padding and GELU,
the summed reconstruction loss, the embedding search with cdist/topk. Tutorial 11 (normalizing flows on images):
dequantization and variational dequantization with their log-determinant bookkeeping, coupling layers with
checkerboard and channel masks, GatedConvNet, SqueezeFlow/SplitFlow, the Normal prior, bits per dimension and
importance sampling, invertibility checked numerically. Tutorial 12 (autoregressive image modeling): masked,
vertical and horizontal stack convolutions, the receptive fields as numbers (gradients of one output pixel),
GatedMaskedConv with dilation, PixelCNN's training and its `sample` loop with torch.multinomial. Tutorial 15
(vision transformers): img_to_patch, AttentionBlock on nn.MultiheadAttention (sequence first), the cls token and
position embeddings, a few AdamW steps with MultiStepLR.

Each program is the tutorial's code as written; where a tutorial uses a LightningModule, its model and a plain loop
over its training_step (Lightning's `gradient_clip_val` as clip_grad_norm_), on synthetic data of smaller sizes
instead of the downloads, and its plots as the numbers they show. The harness is tests/program_harness.py's: every
number a program prints agrees with PyTorch's from the same draws, and without PyTorch each program runs and its
numbers make sense (the checks below each test).
"""

from __future__ import annotations

import numpy as np
import pytest
from program_harness import compare_with_pytorch, run, with_our_imports

import autograd_core as ag

GNN = r'''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

class GCNLayer(nn.Module):

    def __init__(self, c_in, c_out):
        super().__init__()
        self.projection = nn.Linear(c_in, c_out)

    def forward(self, node_feats, adj_matrix):
        # Num neighbours = number of incoming edges
        num_neighbours = adj_matrix.sum(dim=-1, keepdims=True)
        node_feats = self.projection(node_feats)
        node_feats = torch.bmm(adj_matrix, node_feats)
        node_feats = node_feats / num_neighbours
        return node_feats

node_feats = torch.arange(8, dtype=torch.float32).view(1, 4, 2)
adj_matrix = torch.Tensor([[[1, 1, 0, 0],
                            [1, 1, 1, 1],
                            [0, 1, 1, 1],
                            [0, 1, 1, 1]]])

print("Node features:\n", node_feats)
print("\nAdjacency matrix:\n", adj_matrix)

layer = GCNLayer(c_in=2, c_out=2)
layer.projection.weight.data = torch.Tensor([[1., 0.], [0., 1.]])
layer.projection.bias.data = torch.Tensor([0., 0.])

with torch.no_grad():
    out_feats = layer(node_feats, adj_matrix)

print("Adjacency matrix", adj_matrix)
print("Input features", node_feats)
print("Output features", out_feats)
gcn_out = out_feats

class GATLayer(nn.Module):

    def __init__(self, c_in, c_out, num_heads=1, concat_heads=True, alpha=0.2):
        super().__init__()
        self.num_heads = num_heads
        self.concat_heads = concat_heads
        if self.concat_heads:
            assert c_out % num_heads == 0, "Number of output features must be a multiple of the count of heads."
            c_out = c_out // num_heads

        # Sub-modules and parameters needed in the layer
        self.projection = nn.Linear(c_in, c_out * num_heads)
        self.a = nn.Parameter(torch.Tensor(num_heads, 2 * c_out)) # One per head
        self.leakyrelu = nn.LeakyReLU(alpha)

        # Initialization from the original implementation
        nn.init.xavier_uniform_(self.projection.weight.data, gain=1.414)
        nn.init.xavier_uniform_(self.a.data, gain=1.414)

    def forward(self, node_feats, adj_matrix, print_attn_probs=False):
        batch_size, num_nodes = node_feats.size(0), node_feats.size(1)

        # Apply linear layer and sort nodes by head
        node_feats = self.projection(node_feats)
        node_feats = node_feats.view(batch_size, num_nodes, self.num_heads, -1)

        # We need to calculate the attention logits for every edge in the adjacency matrix
        # Doing this on all possible combinations of nodes is very expensive
        # => Create a tensor of [W*h_i||W*h_j] with i and j being the indices of all edges
        edges = adj_matrix.nonzero(as_tuple=False) # Returns indices where the adjacency matrix is not 0 => edges
        node_feats_flat = node_feats.view(batch_size * num_nodes, self.num_heads, -1)
        edge_indices_row = edges[:,0] * batch_size + edges[:,1]
        edge_indices_col = edges[:,0] * batch_size + edges[:,2]
        a_input = torch.cat([
            torch.index_select(input=node_feats_flat, index=edge_indices_row, dim=0),
            torch.index_select(input=node_feats_flat, index=edge_indices_col, dim=0)
        ], dim=-1) # Index select returns a tensor with node_feats_flat being indexed at the desired positions
        # along dim=0

        # Calculate attention MLP output (independent for each head)
        attn_logits = torch.einsum('bhc,hc->bh', a_input, self.a)
        attn_logits = self.leakyrelu(attn_logits)

        # Map list of attention values back into a matrix
        attn_matrix = attn_logits.new_zeros(adj_matrix.shape+(self.num_heads,)).fill_(-9e15)
        attn_matrix[adj_matrix[...,None].repeat(1,1,1,self.num_heads) == 1] = attn_logits.reshape(-1)

        # Weighted average of attention
        attn_probs = F.softmax(attn_matrix, dim=2)
        if print_attn_probs:
            print("Attention probs\n", attn_probs.permute(0, 3, 1, 2))
        node_feats = torch.einsum('bijh,bjhc->bihc', attn_probs, node_feats)

        # If heads should be concatenated, we can do this by reshaping. Otherwise, take mean
        if self.concat_heads:
            node_feats = node_feats.reshape(batch_size, num_nodes, -1)
        else:
            node_feats = node_feats.mean(dim=2)

        return node_feats

layer = GATLayer(2, 2, num_heads=2)
layer.projection.weight.data = torch.Tensor([[1., 0.], [0., 1.]])
layer.projection.bias.data = torch.Tensor([0., 0.])
layer.a.data = torch.Tensor([[-0.2, 0.3], [0.1, -0.1]])

with torch.no_grad():
    out_feats = layer(node_feats, adj_matrix, print_attn_probs=True)

print("Adjacency matrix", adj_matrix)
print("Input features", node_feats)
print("Output features", out_feats)
gat_out = out_feats

# A small random graph (one graph in the batch: the tutorial's edge indices `edges[:,0] * batch_size + ...` are
# written for it), a GCN and a GAT stacked, a few steps of node classification.
torch.manual_seed(42)
num_nodes = 7
adj = (torch.rand(num_nodes, num_nodes) < 0.35).float()
adj = ((adj + adj.t() + torch.eye(num_nodes)) > 0).float().unsqueeze(0)
x = torch.randn(1, num_nodes, 5)
labels = torch.randint(0, 3, (num_nodes,))

class GNNModel(nn.Module):

    def __init__(self, c_in, c_hidden, c_out):
        super().__init__()
        self.gcn = GCNLayer(c_in, c_hidden)
        self.gat = GATLayer(c_hidden, c_out, num_heads=1)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x, adj):
        x = self.act(self.gcn(x, adj))
        return self.gat(x, adj)

model = GNNModel(5, 8, 3)
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-3)
for step in range(5):
    logits = model(x, adj).squeeze(0)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    acc = (logits.argmax(dim=-1) == labels).sum().float() / labels.shape[0]
    print(f"step {step}: loss {loss.item():.4f}, acc {acc.item():.3f}")
'''

ENERGY_MODELS = r'''
import random
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

device = torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")

class CNNModel(nn.Module):
    def __init__(self, hidden_features=32, out_dim=1, **kwargs):
        super().__init__()
        # We increase the hidden dimension over layers. Here pre-calculated for simplicity.
        c_hid1 = hidden_features // 2
        c_hid2 = hidden_features
        c_hid3 = hidden_features * 2

        # Series of convolutions and Swish activation functions
        self.cnn_layers = nn.Sequential(
            nn.Conv2d(1, c_hid1, kernel_size=5, stride=2, padding=4),  # [16x16] - Larger padding to get 32x32 image
            nn.SiLU(),
            nn.Conv2d(c_hid1, c_hid2, kernel_size=3, stride=2, padding=1),  # [8x8]
            nn.SiLU(),
            nn.Conv2d(c_hid2, c_hid3, kernel_size=3, stride=2, padding=1),  # [4x4]
            nn.SiLU(),
            nn.Conv2d(c_hid3, c_hid3, kernel_size=3, stride=2, padding=1),  # [2x2]
            nn.SiLU(),
            nn.Flatten(),
            nn.Linear(c_hid3 * 4, c_hid3),
            nn.SiLU(),
            nn.Linear(c_hid3, out_dim),
        )

    def forward(self, x):
        x = self.cnn_layers(x).squeeze(dim=-1)
        return x

class Sampler:
    def __init__(self, model, img_shape, sample_size, max_len=8192):
        super().__init__()
        self.model = model
        self.img_shape = img_shape
        self.sample_size = sample_size
        self.max_len = max_len
        self.examples = [(torch.rand((1,) + img_shape) * 2 - 1) for _ in range(self.sample_size)]

    def sample_new_exmps(self, steps=60, step_size=10):
        # Choose 95% of the batch from the buffer, 5% generate from scratch
        n_new = np.random.binomial(self.sample_size, 0.05)
        rand_imgs = torch.rand((n_new,) + self.img_shape) * 2 - 1
        old_imgs = torch.cat(random.choices(self.examples, k=self.sample_size - n_new), dim=0)
        inp_imgs = torch.cat([rand_imgs, old_imgs], dim=0).detach().to(device)

        # Perform MCMC sampling
        inp_imgs = Sampler.generate_samples(self.model, inp_imgs, steps=steps, step_size=step_size)

        # Add new images to the buffer and remove old ones if needed
        self.examples = list(inp_imgs.to(torch.device("cpu")).chunk(self.sample_size, dim=0)) + self.examples
        self.examples = self.examples[: self.max_len]
        return inp_imgs

    @staticmethod
    def generate_samples(model, inp_imgs, steps=60, step_size=10, return_img_per_step=False):
        # Before MCMC: set model parameters to "required_grad=False"
        # because we are only interested in the gradients of the input.
        is_training = model.training
        model.eval()
        for p in model.parameters():
            p.requires_grad = False
        inp_imgs.requires_grad = True

        # Enable gradient calculation if not already the case
        had_gradients_enabled = torch.is_grad_enabled()
        torch.set_grad_enabled(True)

        # We use a buffer tensor in which we generate noise each loop iteration.
        # More efficient than creating a new tensor every iteration.
        noise = torch.randn(inp_imgs.shape, device=inp_imgs.device)

        # List for storing generations at each step (for later analysis)
        imgs_per_step = []

        # Loop over K (steps)
        for _ in range(steps):
            # Part 1: Add noise to the input.
            noise.normal_(0, 0.005)
            inp_imgs.data.add_(noise.data)
            inp_imgs.data.clamp_(min=-1.0, max=1.0)

            # Part 2: calculate gradients for the current input.
            out_imgs = -model(inp_imgs)
            out_imgs.sum().backward()
            inp_imgs.grad.data.clamp_(-0.03, 0.03)  # For stabilizing and preventing too high gradients

            # Apply gradients to our current samples
            inp_imgs.data.add_(-step_size * inp_imgs.grad.data)
            inp_imgs.grad.detach_()
            inp_imgs.grad.zero_()
            inp_imgs.data.clamp_(min=-1.0, max=1.0)

            if return_img_per_step:
                imgs_per_step.append(inp_imgs.clone().detach())

        # Reactivate gradients for parameters for training
        for p in model.parameters():
            p.requires_grad = True
        model.train(is_training)

        # Reset gradient calculation to setting before this function
        torch.set_grad_enabled(had_gradients_enabled)

        if return_img_per_step:
            return torch.stack(imgs_per_step, dim=0)
        else:
            return inp_imgs

# DeepEnergyModel's training_step as a plain loop (Lightning's gradient_clip_val=0.1 as clip_grad_norm_); MNIST as
# random digits-sized images in [-1, 1], smaller widths and fewer MCMC steps than the tutorial's.
img_shape, batch_size, alpha = (1, 28, 28), 4, 0.1
cnn = CNNModel(hidden_features=8)
sampler = Sampler(cnn, img_shape=img_shape, sample_size=batch_size)
optimizer = optim.Adam(cnn.parameters(), lr=1e-4, betas=(0.0, 0.999))
scheduler = optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.97)  # Exponential decay over epochs
train_imgs = torch.rand(8, *img_shape) * 2 - 1

for step in range(2):
    # We add minimal noise to the original images to prevent the model from focusing on purely "clean" inputs
    real_imgs = train_imgs[step * batch_size:(step + 1) * batch_size].clone()
    small_noise = torch.randn_like(real_imgs) * 0.005
    real_imgs.add_(small_noise).clamp_(min=-1.0, max=1.0)

    # Obtain samples
    fake_imgs = sampler.sample_new_exmps(steps=6, step_size=10)

    # Predict energy score for all images
    inp_imgs = torch.cat([real_imgs, fake_imgs], dim=0)
    real_out, fake_out = cnn(inp_imgs).chunk(2, dim=0)

    # Calculate losses
    reg_loss = alpha * (real_out**2 + fake_out**2).mean()
    cdiv_loss = fake_out.mean() - real_out.mean()
    loss = reg_loss + cdiv_loss
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(cnn.parameters(), 0.1)
    optimizer.step()
    scheduler.step()
    print(f"step {step}: loss {loss.item():.5f} reg {reg_loss.item():.5f} cdiv {cdiv_loss.item():.5f} "
          f"real {real_out.mean().item():.5f} fake {fake_out.mean().item():.5f}")
    print("lr", scheduler.get_last_lr()[0], "buffer", len(sampler.examples))

print("all parameters trainable again:", all(p.requires_grad for p in cnn.parameters()))
print("grad mode restored:", torch.is_grad_enabled())

start_imgs = torch.rand((2,) + img_shape)
start_imgs = start_imgs * 2 - 1
imgs_per_step = Sampler.generate_samples(cnn, start_imgs, steps=4, step_size=10, return_img_per_step=True)
print(imgs_per_step.shape, imgs_per_step.min().item() >= -1.0, imgs_per_step.max().item() <= 1.0)
print("mean of the last step", imgs_per_step[-1].mean())

with torch.no_grad():
    rand_imgs = torch.rand((16,) + img_shape)
    rand_imgs = rand_imgs * 2 - 1.0
    rand_out = cnn(rand_imgs).mean()
    print("Average score for random images: %4.2f" % (rand_out.item()))

@torch.no_grad()
def compare_images(img1, img2):
    imgs = torch.stack([img1, img2], dim=0).to(device)
    score1, score2 = cnn(imgs).cpu().chunk(2, dim=0)
    print("Score original image: %4.4f" % score1)
    print("Score transformed image: %4.4f" % score2)

exmp_img = train_imgs[0]
img_noisy = exmp_img + torch.randn_like(exmp_img) * 0.3
img_noisy.clamp_(min=-1.0, max=1.0)
compare_images(exmp_img, img_noisy)
img_flipped = exmp_img.flip(dims=(1, 2))
compare_images(exmp_img, img_flipped)
'''

AUTOENCODERS = r'''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data
from torch.utils.tensorboard import SummaryWriter

class Encoder(nn.Module):
    def __init__(self, num_input_channels: int, base_channel_size: int, latent_dim: int, act_fn: object = nn.GELU):
        super().__init__()
        c_hid = base_channel_size
        self.net = nn.Sequential(
            nn.Conv2d(num_input_channels, c_hid, kernel_size=3, padding=1, stride=2),  # 32x32 => 16x16
            act_fn(),
            nn.Conv2d(c_hid, c_hid, kernel_size=3, padding=1),
            act_fn(),
            nn.Conv2d(c_hid, 2 * c_hid, kernel_size=3, padding=1, stride=2),  # 16x16 => 8x8
            act_fn(),
            nn.Conv2d(2 * c_hid, 2 * c_hid, kernel_size=3, padding=1),
            act_fn(),
            nn.Conv2d(2 * c_hid, 2 * c_hid, kernel_size=3, padding=1, stride=2),  # 8x8 => 4x4
            act_fn(),
            nn.Flatten(),  # Image grid to single feature vector
            nn.Linear(2 * 16 * c_hid, latent_dim),
        )

    def forward(self, x):
        return self.net(x)

class Decoder(nn.Module):
    def __init__(self, num_input_channels: int, base_channel_size: int, latent_dim: int, act_fn: object = nn.GELU):
        super().__init__()
        c_hid = base_channel_size
        self.linear = nn.Sequential(nn.Linear(latent_dim, 2 * 16 * c_hid), act_fn())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(
                2 * c_hid, 2 * c_hid, kernel_size=3, output_padding=1, padding=1, stride=2
            ),  # 4x4 => 8x8
            act_fn(),
            nn.Conv2d(2 * c_hid, 2 * c_hid, kernel_size=3, padding=1),
            act_fn(),
            nn.ConvTranspose2d(2 * c_hid, c_hid, kernel_size=3, output_padding=1, padding=1, stride=2),  # 8x8 => 16x16
            act_fn(),
            nn.Conv2d(c_hid, c_hid, kernel_size=3, padding=1),
            act_fn(),
            nn.ConvTranspose2d(
                c_hid, num_input_channels, kernel_size=3, output_padding=1, padding=1, stride=2
            ),  # 16x16 => 32x32
            nn.Tanh(),  # The input images is scaled between -1 and 1, hence the output has to be bounded as well
        )

    def forward(self, x):
        x = self.linear(x)
        x = x.reshape(x.shape[0], -1, 4, 4)
        x = self.net(x)
        return x

# The LightningModule Autoencoder as a plain module and loop; CIFAR10 as random images in [-1, 1].
class Autoencoder(nn.Module):
    def __init__(self, base_channel_size: int, latent_dim: int, encoder_class: object = Encoder,
                 decoder_class: object = Decoder, num_input_channels: int = 3, width: int = 32, height: int = 32):
        super().__init__()
        # Creating encoder and decoder
        self.encoder = encoder_class(num_input_channels, base_channel_size, latent_dim)
        self.decoder = decoder_class(num_input_channels, base_channel_size, latent_dim)
        # Example input array needed for visualizing the graph of the network
        self.example_input_array = torch.zeros(2, num_input_channels, width, height)

    def forward(self, x):
        """The forward function takes in an image and returns the reconstructed image."""
        z = self.encoder(x)
        x_hat = self.decoder(z)
        return x_hat

    def _get_reconstruction_loss(self, batch):
        """Given a batch of images, this function returns the reconstruction loss (MSE in our case)"""
        x, _ = batch  # We do not need the labels
        x_hat = self.forward(x)
        loss = F.mse_loss(x, x_hat, reduction="none")
        loss = loss.sum(dim=[1, 2, 3]).mean(dim=[0])
        return loss

def compare_imgs(img1, img2, title_prefix=""):
    # Calculate MSE loss between both images
    loss = F.mse_loss(img1, img2, reduction="sum")
    print(f"{title_prefix} Distance: {loss.item():4.2f}")

images = torch.rand(12, 3, 32, 32) * 2 - 1
train_dataset = data.TensorDataset(images, torch.zeros(12, dtype=torch.long))
for i in range(2):
    # Load example image
    img, _ = train_dataset[i]
    img_mean = img.mean(dim=[1, 2], keepdims=True)

    # Shift image by one pixel
    SHIFT = 1
    img_shifted = torch.roll(img, shifts=SHIFT, dims=1)
    img_shifted = torch.roll(img_shifted, shifts=SHIFT, dims=2)
    img_shifted[:, :1, :] = img_mean
    img_shifted[:, :, :1] = img_mean
    compare_imgs(img, img_shifted, "Shifted -")

    # Set half of the image to zero
    img_masked = img.clone()
    img_masked[:, : img_masked.shape[1] // 2, :] = img_mean
    compare_imgs(img, img_masked, "Masked -")

model = Autoencoder(base_channel_size=4, latent_dim=16)
print(model.example_input_array.shape, model(model.example_input_array).shape)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.2, patience=20, min_lr=5e-5)
train_loader = data.DataLoader(train_dataset, batch_size=4, shuffle=False, drop_last=True)
for epoch in range(2):
    for batch in train_loader:
        loss = model._get_reconstruction_loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        val_loss = model._get_reconstruction_loss((images[:4], None))
    scheduler.step(val_loss)
    print(f"epoch {epoch}: train loss {loss.item():.4f}, val loss {val_loss.item():.4f}")

def embed_imgs(model, data_loader):
    # Encode all images in the data_laoder using model, and return both images and encodings
    img_list, embed_list = [], []
    model.eval()
    for imgs, _ in data_loader:
        with torch.no_grad():
            z = model.encoder(imgs)
        img_list.append(imgs)
        embed_list.append(z)
    return (torch.cat(img_list, dim=0), torch.cat(embed_list, dim=0))

train_img_embeds = embed_imgs(model, train_loader)

def find_similar_images(query_img, query_z, key_embeds, K=8):
    # Find closest K images. We use the euclidean distance here but other like cosine distance can also be used.
    dist = torch.cdist(query_z[None, :], key_embeds[1], p=2.0)
    dist = dist.squeeze(dim=0)
    dist, indices = torch.topk(dist, K, largest=False)
    # Plot K closest images
    imgs_to_display = torch.cat([query_img[None], key_embeds[0][indices]], dim=0)
    print("closest", indices.tolist(), [round(d, 4) for d in dist.tolist()], tuple(imgs_to_display.shape))
    return indices

test_imgs = torch.rand(2, 3, 32, 32) * 2 - 1
with torch.no_grad():
    test_z = model.encoder(test_imgs)
for i in range(2):
    find_similar_images(test_imgs[i], test_z[i], key_embeds=train_img_embeds, K=4)

# Reconstructions and generations from random latents
with torch.no_grad():
    reconst_imgs = model(images[:4])
    latent_vectors = torch.randn(4, 16)
    imgs = model.decoder(latent_vectors)
print("reconstruction", reconst_imgs.shape, reconst_imgs.abs().max().item() <= 1.0, imgs.mean())

# The embeddings for TensorBoard's projector, as the tutorial writes them
test_img_embeds = embed_imgs(model, data.DataLoader(data.TensorDataset(test_imgs, torch.zeros(2)), batch_size=2))
writer = SummaryWriter("tensorboard/")
NUM_IMGS = len(test_imgs)
writer.add_embedding(
    test_img_embeds[1][:NUM_IMGS],  # Encodings per image
    label_img=(test_img_embeds[0][:NUM_IMGS] + 1) / 2.0,  # Adding the original images to the plot
)
writer.close()
import os
print("projector files", sorted(os.listdir(os.path.join("tensorboard", "00000", "default"))))
'''

NORMALIZING_FLOWS = r'''
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data

device = torch.device("cpu")

# MNIST's discretized images (the tutorial's `discretize` transform: integers 0..255) as random 8x8 ones
train_imgs = torch.randint(0, 256, (8, 1, 8, 8)).to(torch.int32)
train_set = data.TensorDataset(train_imgs, torch.zeros(8, dtype=torch.long))

class ImageFlow(nn.Module):
    def __init__(self, flows, import_samples=8):
        super().__init__()
        self.flows = nn.ModuleList(flows)
        self.import_samples = import_samples
        # Create prior distribution for final latent space
        self.prior = torch.distributions.normal.Normal(loc=0.0, scale=1.0)
        # Example input for visualizing the graph
        self.example_input_array = train_set[0][0].unsqueeze(dim=0)

    def forward(self, imgs):
        # The forward function is only used for visualizing the graph
        return self._get_likelihood(imgs)

    def encode(self, imgs):
        # Given a batch of images, return the latent representation z and ldj of the transformations
        z, ldj = imgs, torch.zeros(imgs.shape[0], device=device)
        for flow in self.flows:
            z, ldj = flow(z, ldj, reverse=False)
        return z, ldj

    def _get_likelihood(self, imgs, return_ll=False):
        z, ldj = self.encode(imgs)
        log_pz = self.prior.log_prob(z).sum(dim=[1, 2, 3])
        log_px = ldj + log_pz
        nll = -log_px
        # Calculating bits per dimension
        bpd = nll * np.log2(np.exp(1)) / np.prod(imgs.shape[1:])
        return bpd.mean() if not return_ll else log_px

    @torch.no_grad()
    def sample(self, img_shape, z_init=None):
        """Sample a batch of images from the flow."""
        # Sample latent representation from prior
        if z_init is None:
            z = self.prior.sample(sample_shape=img_shape).to(device)
        else:
            z = z_init.to(device)

        # Transform z to x by inverting the flows
        ldj = torch.zeros(img_shape[0], device=device)
        for flow in reversed(self.flows):
            z, ldj = flow(z, ldj, reverse=True)
        return z

    def test_step(self, batch, batch_idx):
        # Perform importance sampling during testing => estimate likelihood M times for each image
        samples = []
        for _ in range(self.import_samples):
            img_ll = self._get_likelihood(batch[0], return_ll=True)
            samples.append(img_ll)
        img_ll = torch.stack(samples, dim=-1)

        # To average the probabilities, we need to go from log-space to exp, and back to log.
        # Logsumexp provides us a stable implementation for this
        img_ll = torch.logsumexp(img_ll, dim=-1) - np.log(self.import_samples)

        # Calculate final bpd
        bpd = -img_ll * np.log2(np.exp(1)) / np.prod(batch[0].shape[1:])
        bpd = bpd.mean()
        return bpd

class Dequantization(nn.Module):
    def __init__(self, alpha=1e-5, quants=256):
        super().__init__()
        self.alpha = alpha
        self.quants = quants

    def forward(self, z, ldj, reverse=False):
        if not reverse:
            z, ldj = self.dequant(z, ldj)
            z, ldj = self.sigmoid(z, ldj, reverse=True)
        else:
            z, ldj = self.sigmoid(z, ldj, reverse=False)
            z = z * self.quants
            ldj += np.log(self.quants) * np.prod(z.shape[1:])
            z = torch.floor(z).clamp(min=0, max=self.quants - 1).to(torch.int32)
        return z, ldj

    def sigmoid(self, z, ldj, reverse=False):
        # Applies an invertible sigmoid transformation
        if not reverse:
            ldj += (-z - 2 * F.softplus(-z)).sum(dim=[1, 2, 3])
            z = torch.sigmoid(z)
        else:
            z = z * (1 - self.alpha) + 0.5 * self.alpha  # Scale to prevent boundaries 0 and 1
            ldj += np.log(1 - self.alpha) * np.prod(z.shape[1:])
            ldj += (-torch.log(z) - torch.log(1 - z)).sum(dim=[1, 2, 3])
            z = torch.log(z) - torch.log(1 - z)
        return z, ldj

    def dequant(self, z, ldj):
        # Transform discrete values to continuous volumes
        z = z.to(torch.float32)
        z = z + torch.rand_like(z).detach()
        z = z / self.quants
        ldj -= np.log(self.quants) * np.prod(z.shape[1:])
        return z, ldj

# Testing invertibility of dequantization layer
orig_img = train_set[0][0].unsqueeze(dim=0)
ldj = torch.zeros(
    1,
)
dequant_module = Dequantization()
deq_img, ldj = dequant_module(orig_img, ldj, reverse=False)
reconst_img, ldj = dequant_module(deq_img, ldj, reverse=True)

d1, d2 = torch.where(orig_img.squeeze() != reconst_img.squeeze())
if len(d1) != 0:
    print("Dequantization was not invertible.")
    for i in range(d1.shape[0]):
        print("Original value:", orig_img[0, 0, d1[i], d2[i]].item())
        print("Reconstructed value:", reconst_img[0, 0, d1[i], d2[i]].item())
else:
    print("Successfully inverted dequantization")
print("ldj after the round trip", ldj)

def visualize_dequantization(quants, prior=None):
    """The tutorial's plot of the dequantization's volumes, as the numbers it plots."""
    # Prior over discrete values. If not given, a uniform is assumed
    if prior is None:
        prior = np.ones(quants, dtype=np.float32) / quants
    prior = prior / prior.sum() * quants  # In the following, we assume 1 for each value means uniform distribution

    inp = torch.arange(-4, 4, 0.01).view(-1, 1, 1, 1)  # Possible continuous values we want to consider
    ldj = torch.zeros(inp.shape[0])
    dequant_module = Dequantization(quants=quants)
    # Invert dequantization on continuous values to find corresponding discrete value
    out, ldj = dequant_module.forward(inp, ldj, reverse=True)
    inp, out, prob = inp.squeeze().numpy(), out.squeeze().numpy(), ldj.exp().numpy()
    prob = prob * prior[out]  # Probability scaled by categorical prior
    for v in np.unique(out):
        indices = np.where(out == v)
        print("value", v, "from z =", round(float(inp[indices[0][0]]), 2), "mass %.4f" % (prob[indices].sum() * 0.01))

visualize_dequantization(quants=8)
visualize_dequantization(quants=8, prior=np.array([0.075, 0.2, 0.4, 0.2, 0.075, 0.025, 0.0125, 0.0125]))

class VariationalDequantization(Dequantization):
    def __init__(self, var_flows, alpha=1e-5):
        super().__init__(alpha=alpha)
        self.flows = nn.ModuleList(var_flows)

    def dequant(self, z, ldj):
        z = z.to(torch.float32)
        img = (z / 255.0) * 2 - 1  # We condition the flows on x, i.e. the original image

        # Prior of u is a uniform distribution as before
        # As most flow transformations are defined on [-infinity,+infinity], we apply an inverse sigmoid first.
        deq_noise = torch.rand_like(z).detach()
        deq_noise, ldj = self.sigmoid(deq_noise, ldj, reverse=True)
        for flow in self.flows:
            deq_noise, ldj = flow(deq_noise, ldj, reverse=False, orig_img=img)
        deq_noise, ldj = self.sigmoid(deq_noise, ldj, reverse=False)

        # After the flows, apply u as in standard dequantization
        z = (z + deq_noise) / 256.0
        ldj -= np.log(256.0) * np.prod(z.shape[1:])
        return z, ldj

class CouplingLayer(nn.Module):
    def __init__(self, network, mask, c_in):
        super().__init__()
        self.network = network
        self.scaling_factor = nn.Parameter(torch.zeros(c_in))
        # Register mask as buffer as it is a tensor which is not a parameter,
        # but should be part of the modules state.
        self.register_buffer("mask", mask)

    def forward(self, z, ldj, reverse=False, orig_img=None):
        # Apply network to masked input
        z_in = z * self.mask
        if orig_img is None:
            nn_out = self.network(z_in)
        else:
            nn_out = self.network(torch.cat([z_in, orig_img], dim=1))
        s, t = nn_out.chunk(2, dim=1)

        # Stabilize scaling output
        s_fac = self.scaling_factor.exp().view(1, -1, 1, 1)
        s = torch.tanh(s / s_fac) * s_fac

        # Mask outputs (only transform the second part)
        s = s * (1 - self.mask)
        t = t * (1 - self.mask)

        # Affine transformation
        if not reverse:
            # Whether we first shift and then scale, or the other way round,
            # is a design choice, and usually does not have a big impact
            z = (z + t) * torch.exp(s)
            ldj += s.sum(dim=[1, 2, 3])
        else:
            z = (z * torch.exp(-s)) - t
            ldj -= s.sum(dim=[1, 2, 3])

        return z, ldj

with torch.no_grad():
    x = torch.arange(-5, 5, 0.01)
    scaling_factors = [0.5, 1, 2]
    for i, scale in enumerate(scaling_factors):
        y = torch.tanh(x / scale) * scale
        print("Scaling factor: " + str(scale), y.numpy().min(), y.numpy().max())

def create_checkerboard_mask(h, w, invert=False):
    x, y = torch.arange(h, dtype=torch.int32), torch.arange(w, dtype=torch.int32)
    xx, yy = torch.meshgrid(x, y)
    mask = torch.fmod(xx + yy, 2)
    mask = mask.to(torch.float32).view(1, 1, h, w)
    if invert:
        mask = 1 - mask
    return mask

def create_channel_mask(c_in, invert=False):
    mask = torch.cat([torch.ones(c_in // 2, dtype=torch.float32), torch.zeros(c_in - c_in // 2, dtype=torch.float32)])
    mask = mask.view(1, c_in, 1, 1)
    if invert:
        mask = 1 - mask
    return mask

checkerboard_mask = create_checkerboard_mask(h=8, w=8).expand(-1, 2, -1, -1)
channel_mask = create_channel_mask(c_in=2).expand(-1, -1, 8, 8)
print("Checkerboard mask", checkerboard_mask.transpose(0, 1)[0, 0, :2])
print("Channel mask", channel_mask.transpose(0, 1)[:, 0, 0, :2])

class ConcatELU(nn.Module):
    def forward(self, x):
        return torch.cat([F.elu(x), F.elu(-x)], dim=1)

class LayerNormChannels(nn.Module):
    def __init__(self, c_in):
        super().__init__()
        self.layer_norm = nn.LayerNorm(c_in)

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = self.layer_norm(x)
        x = x.permute(0, 3, 1, 2)
        return x

class GatedConv(nn.Module):
    def __init__(self, c_in, c_hidden):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(c_in, c_hidden, kernel_size=3, padding=1),
            ConcatELU(),
            nn.Conv2d(2 * c_hidden, 2 * c_in, kernel_size=1),
        )

    def forward(self, x):
        out = self.net(x)
        val, gate = out.chunk(2, dim=1)
        return x + val * torch.sigmoid(gate)

class GatedConvNet(nn.Module):
    def __init__(self, c_in, c_hidden=32, c_out=-1, num_layers=3):
        super().__init__()
        c_out = c_out if c_out > 0 else 2 * c_in
        layers = []
        layers += [nn.Conv2d(c_in, c_hidden, kernel_size=3, padding=1)]
        for layer_index in range(num_layers):
            layers += [GatedConv(c_hidden, c_hidden), LayerNormChannels(c_hidden)]
        layers += [ConcatELU(), nn.Conv2d(2 * c_hidden, c_out, kernel_size=3, padding=1)]
        self.nn = nn.Sequential(*layers)

        self.nn[-1].weight.data.zero_()
        self.nn[-1].bias.data.zero_()

    def forward(self, x):
        return self.nn(x)

class SqueezeFlow(nn.Module):
    def forward(self, z, ldj, reverse=False):
        B, C, H, W = z.shape
        if not reverse:
            # Forward direction: H x W x C => H/2 x W/2 x 4C
            z = z.reshape(B, C, H // 2, 2, W // 2, 2)
            z = z.permute(0, 1, 3, 5, 2, 4)
            z = z.reshape(B, 4 * C, H // 2, W // 2)
        else:
            # Reverse direction: H/2 x W/2 x 4C => H x W x C
            z = z.reshape(B, C // 4, 2, 2, H, W)
            z = z.permute(0, 1, 4, 2, 5, 3)
            z = z.reshape(B, C // 4, H * 2, W * 2)
        return z, ldj

sq_flow = SqueezeFlow()
rand_img = torch.arange(1, 17).view(1, 1, 4, 4)
print("Image (before)\n", rand_img)
forward_img, _ = sq_flow(rand_img, ldj=None, reverse=False)
print("\nImage (forward)\n", forward_img.permute(0, 2, 3, 1))  # Permute for readability
reconst_img, _ = sq_flow(forward_img, ldj=None, reverse=True)
print("\nImage (reverse)\n", reconst_img)

class SplitFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.prior = torch.distributions.normal.Normal(loc=0.0, scale=1.0)

    def forward(self, z, ldj, reverse=False):
        if not reverse:
            z, z_split = z.chunk(2, dim=1)
            ldj += self.prior.log_prob(z_split).sum(dim=[1, 2, 3])
        else:
            z_split = self.prior.sample(sample_shape=z.shape).to(device)
            z = torch.cat([z, z_split], dim=1)
            ldj -= self.prior.log_prob(z_split).sum(dim=[1, 2, 3])
        return z, ldj

# The tutorial's multi-scale flow for 28x28 MNIST, on 8x8 images with smaller hidden sizes
def create_multiscale_flow():
    flow_layers = []

    vardeq_layers = [
        CouplingLayer(
            network=GatedConvNet(c_in=2, c_out=2, c_hidden=4, num_layers=1),
            mask=create_checkerboard_mask(h=8, w=8, invert=(i % 2 == 1)),
            c_in=1,
        )
        for i in range(2)
    ]
    flow_layers += [VariationalDequantization(vardeq_layers)]

    flow_layers += [
        CouplingLayer(
            network=GatedConvNet(c_in=1, c_hidden=4, num_layers=1),
            mask=create_checkerboard_mask(h=8, w=8, invert=(i % 2 == 1)),
            c_in=1,
        )
        for i in range(2)
    ]
    flow_layers += [SqueezeFlow()]
    for i in range(2):
        flow_layers += [
            CouplingLayer(
                network=GatedConvNet(c_in=4, c_hidden=6, num_layers=1),
                mask=create_channel_mask(c_in=4, invert=(i % 2 == 1)),
                c_in=4,
            )
        ]
    flow_layers += [SplitFlow(), SqueezeFlow()]
    for i in range(2):
        flow_layers += [
            CouplingLayer(
                network=GatedConvNet(c_in=8, c_hidden=8, num_layers=1),
                mask=create_channel_mask(c_in=8, invert=(i % 2 == 1)),
                c_in=8,
            )
        ]

    flow_model = ImageFlow(flow_layers).to(device)
    return flow_model

def print_num_params(model):
    num_params = sum(np.prod(p.shape) for p in model.parameters())
    print(f"Number of parameters: {num_params:,}")

flow = create_multiscale_flow()
print_num_params(flow)
print("buffers", [name for name, _ in flow.named_buffers()][:2])

# The Lightning training loop: Adam, StepLR, gradient_clip_val=1.0
optimizer = optim.Adam(flow.parameters(), lr=1e-3)
scheduler = optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.99)
train_data_loader = data.DataLoader(train_set, batch_size=4, shuffle=False, drop_last=True)
for epoch in range(2):
    for batch in train_data_loader:
        loss = flow._get_likelihood(batch[0])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(flow.parameters(), 1.0)
        optimizer.step()
    scheduler.step()
    print(f"epoch {epoch}: train bpd {loss.item():.4f}")

with torch.no_grad():
    print("test bpd (importance sampling)", flow.test_step((train_imgs[:4], None), 0).item())

# Invertibility of the coupling layers and squeeze: encode a dequantized image, then invert
with torch.no_grad():
    z0 = torch.randn(2, 1, 8, 8)
    z, ldj = z0, torch.zeros(2)
    for f in flow.flows[1:4]:
        z, ldj = f(z, ldj, reverse=False)
    back, ldj_back = z, ldj.clone()
    for f in reversed(flow.flows[1:4]):
        back, ldj_back = f(back, ldj_back, reverse=True)
    print("max inversion error", (back - z0).abs().max().item() < 1e-5,
          "ldj back to", ldj_back.abs().max().item() < 1e-4)
    print("ldj of the forward", ldj)

    samples = flow.sample(img_shape=[2, 8, 2, 2])
    print("samples", samples.shape, samples.dtype, samples.min().item() >= 0, samples.max().item() <= 255)

@torch.no_grad()
def interpolate(model, img1, img2, num_steps=8):
    imgs = torch.stack([img1, img2], dim=0).to(device)
    z, _ = model.encode(imgs)
    alpha = torch.linspace(0, 1, steps=num_steps, device=z.device).view(-1, 1, 1, 1)
    interpolations = z[0:1] * alpha + z[1:2] * (1 - alpha)
    interp_imgs = model.sample(interpolations.shape[:1] + imgs.shape[1:], z_init=interpolations)
    return interp_imgs

interp_imgs = interpolate(flow, train_imgs[0], train_imgs[1], num_steps=4)
print("interpolations", interp_imgs.shape, interp_imgs.float().mean(dim=[1, 2, 3]))
'''

PIXELCNN = r'''
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data

device = torch.device("cpu")

class MaskedConvolution(nn.Module):
    def __init__(self, c_in, c_out, mask, **kwargs):
        super().__init__()
        # For simplicity: calculate padding automatically
        kernel_size = (mask.shape[0], mask.shape[1])
        dilation = 1 if "dilation" not in kwargs else kwargs["dilation"]
        padding = tuple(dilation * (kernel_size[i] - 1) // 2 for i in range(2))
        # Actual convolution
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, padding=padding, **kwargs)

        # Mask as buffer => it is no parameter but still a tensor of the module
        # (must be moved with the devices)
        self.register_buffer("mask", mask[None, None])

    def forward(self, x):
        self.conv.weight.data *= self.mask  # Ensures zero's at masked positions
        return self.conv(x)

class VerticalStackConvolution(MaskedConvolution):
    def __init__(self, c_in, c_out, kernel_size=3, mask_center=False, **kwargs):
        # Mask out all pixels below. For efficiency, we could also reduce the kernel
        # size in height, but for simplicity, we stick with masking here.
        mask = torch.ones(kernel_size, kernel_size)
        mask[kernel_size // 2 + 1 :, :] = 0

        # For the very first convolution, we will also mask the center row
        if mask_center:
            mask[kernel_size // 2, :] = 0

        super().__init__(c_in, c_out, mask, **kwargs)

class HorizontalStackConvolution(MaskedConvolution):
    def __init__(self, c_in, c_out, kernel_size=3, mask_center=False, **kwargs):
        # Mask out all pixels on the left. Note that our kernel has a size of 1
        # in height because we only look at the pixel in the same row.
        mask = torch.ones(1, kernel_size)
        mask[0, kernel_size // 2 + 1 :] = 0

        # For the very first convolution, we will also mask the center pixel
        if mask_center:
            mask[0, kernel_size // 2] = 0

        super().__init__(c_in, c_out, mask, **kwargs)

inp_img = torch.zeros(1, 1, 11, 11)
inp_img.requires_grad_()

def show_center_recep_field(img, out):
    # Determine gradients
    loss = out[0, :, img.shape[2] // 2, img.shape[3] // 2].sum()  # L1 loss for simplicity
    # Retain graph as we want to stack multiple layers and show the receptive field of all of them
    loss.backward(retain_graph=True)
    img_grads = img.grad.abs()
    img.grad.fill_(0)  # Reset grads

    # The tutorial plots the receptive field; here its numbers: the weighted field and the binary one
    img = img_grads.squeeze().cpu().numpy()
    print("Weighted receptive field (rows up to the center)\n", np.round(img[: img.shape[0] // 2 + 1], 4))
    print("Binary receptive field size", int((img > 0).sum()),
          "center pixel used:", bool(img[img.shape[0] // 2, img.shape[1] // 2] != 0))

show_center_recep_field(inp_img, inp_img)

horiz_conv = HorizontalStackConvolution(c_in=1, c_out=1, kernel_size=3, mask_center=True)
horiz_conv.conv.weight.data.fill_(1)
horiz_conv.conv.bias.data.fill_(0)
horiz_img = horiz_conv(inp_img)
show_center_recep_field(inp_img, horiz_img)

vert_conv = VerticalStackConvolution(c_in=1, c_out=1, kernel_size=3, mask_center=True)
vert_conv.conv.weight.data.fill_(1)
vert_conv.conv.bias.data.fill_(0)
vert_img = vert_conv(inp_img)
show_center_recep_field(inp_img, vert_img)

horiz_img = vert_img + horiz_img
show_center_recep_field(inp_img, horiz_img)

# Initialize convolutions with equal weight to all input pixels
horiz_conv = HorizontalStackConvolution(c_in=1, c_out=1, kernel_size=3, mask_center=False)
horiz_conv.conv.weight.data.fill_(1)
horiz_conv.conv.bias.data.fill_(0)
vert_conv = VerticalStackConvolution(c_in=1, c_out=1, kernel_size=3, mask_center=False)
vert_conv.conv.weight.data.fill_(1)
vert_conv.conv.bias.data.fill_(0)

# We reuse our convolutions for the 4 layers here. Note that in a standard network,
# we don't do that, and instead learn 4 separate convolution. As this cell is only for
# visualization purposes, we reuse the convolutions for all layers.
for l_idx in range(4):
    vert_img = vert_conv(vert_img)
    horiz_img = horiz_conv(horiz_img) + vert_img
    print("Layer %i" % (l_idx + 2))
    show_center_recep_field(inp_img, horiz_img)

show_center_recep_field(inp_img, vert_img)
del inp_img, horiz_conv, vert_conv

class GatedMaskedConv(nn.Module):
    def __init__(self, c_in, **kwargs):
        """Gated Convolution block implemented the computation graph shown above."""
        super().__init__()
        self.conv_vert = VerticalStackConvolution(c_in, c_out=2 * c_in, **kwargs)
        self.conv_horiz = HorizontalStackConvolution(c_in, c_out=2 * c_in, **kwargs)
        self.conv_vert_to_horiz = nn.Conv2d(2 * c_in, 2 * c_in, kernel_size=1, padding=0)
        self.conv_horiz_1x1 = nn.Conv2d(c_in, c_in, kernel_size=1, padding=0)

    def forward(self, v_stack, h_stack):
        # Vertical stack (left)
        v_stack_feat = self.conv_vert(v_stack)
        v_val, v_gate = v_stack_feat.chunk(2, dim=1)
        v_stack_out = torch.tanh(v_val) * torch.sigmoid(v_gate)

        # Horizontal stack (right)
        h_stack_feat = self.conv_horiz(h_stack)
        h_stack_feat = h_stack_feat + self.conv_vert_to_horiz(v_stack_feat)
        h_val, h_gate = h_stack_feat.chunk(2, dim=1)
        h_stack_feat = torch.tanh(h_val) * torch.sigmoid(h_gate)
        h_stack_out = self.conv_horiz_1x1(h_stack_feat)
        h_stack_out = h_stack_out + h_stack

        return v_stack_out, h_stack_out

# The LightningModule PixelCNN as a plain module (its training_step in the loop below), three of its seven gated
# blocks (with dilation 2 and 4 as in the tutorial)
class PixelCNN(nn.Module):
    def __init__(self, c_in, c_hidden):
        super().__init__()

        # Initial convolutions skipping the center pixel
        self.conv_vstack = VerticalStackConvolution(c_in, c_hidden, mask_center=True)
        self.conv_hstack = HorizontalStackConvolution(c_in, c_hidden, mask_center=True)
        # Convolution block of PixelCNN. We use dilation instead of downscaling
        self.conv_layers = nn.ModuleList(
            [
                GatedMaskedConv(c_hidden),
                GatedMaskedConv(c_hidden, dilation=2),
                GatedMaskedConv(c_hidden, dilation=4),
            ]
        )
        # Output classification convolution (1x1)
        self.conv_out = nn.Conv2d(c_hidden, c_in * 256, kernel_size=1, padding=0)

    def forward(self, x):
        # Scale input from 0 to 255 back to -1 to 1
        x = (x.float() / 255.0) * 2 - 1

        # Initial convolutions
        v_stack = self.conv_vstack(x)
        h_stack = self.conv_hstack(x)
        # Gated Convolutions
        for layer in self.conv_layers:
            v_stack, h_stack = layer(v_stack, h_stack)
        # 1x1 classification convolution
        # Apply ELU before 1x1 convolution for non-linearity on residual connection
        out = self.conv_out(F.elu(h_stack))

        # Output dimensions: [Batch, Classes, Channels, Height, Width]
        out = out.reshape(out.shape[0], 256, out.shape[1] // 256, out.shape[2], out.shape[3])
        return out

    def calc_likelihood(self, x):
        # Forward pass with bpd likelihood calculation
        pred = self.forward(x)
        nll = F.cross_entropy(pred, x, reduction="none")
        bpd = nll.mean(dim=[1, 2, 3]) * np.log2(np.exp(1))
        return bpd.mean()

    @torch.no_grad()
    def sample(self, img_shape, img=None):
        # Create empty image
        if img is None:
            img = torch.zeros(img_shape, dtype=torch.long).to(device) - 1
        # Generation loop
        for h in range(img_shape[2]):
            for w in range(img_shape[3]):
                for c in range(img_shape[1]):
                    # Skip if not to be filled (-1)
                    if (img[:, c, h, w] != -1).all().item():
                        continue
                    # For efficiency, we only have to input the upper part of the image
                    # as all other parts will be skipped by the masked convolutions anyways
                    pred = self.forward(img[:, :, : h + 1, :])
                    probs = F.softmax(pred[:, :, c, h, w], dim=-1)
                    img[:, c, h, w] = torch.multinomial(probs, num_samples=1).squeeze(dim=-1)
        return img

test_model = PixelCNN(c_in=1, c_hidden=4)
inp = torch.zeros(1, 1, 12, 12)
inp.requires_grad_()
out = test_model(inp)
show_center_recep_field(inp, out.squeeze(dim=2))
del inp, out, test_model

num_params = sum(np.prod(param.shape) for param in PixelCNN(c_in=1, c_hidden=8).parameters())
print(f"Number of parameters: {num_params:,}")

# MNIST's discretized digits as random 8x8 images of integers 0..255
train_set = data.TensorDataset(torch.randint(0, 256, (8, 1, 8, 8)), torch.zeros(8, dtype=torch.long))
train_loader = data.DataLoader(train_set, batch_size=4, shuffle=False)
model = PixelCNN(c_in=1, c_hidden=8)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
scheduler = optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.99)
for epoch in range(2):
    for batch in train_loader:
        loss = model.calc_likelihood(batch[0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print("epoch %i: train bpd %4.4f" % (epoch, loss.item()))
with torch.no_grad():
    model(batch[0])  # the forward masks the weights the last step changed
print("masked weights are zero:", bool((model.conv_vstack.conv.weight * (1 - model.conv_vstack.mask) == 0).all()))

samples = model.sample(img_shape=(2, 1, 3, 4))
print("samples", samples.dtype, samples)

def autocomplete_image(img):
    # Remove lower half of the image
    img_init = img.clone()
    img_init[:, 2:, :] = -1
    # Two completions (the tutorial's 12; its expand(12, ...) is copied by .to(device) on a GPU: on a CPU a
    # repeat is the copy that sampling may write into)
    img_init = img_init.unsqueeze(dim=0).repeat(2, 1, 1, 1).to(device)
    img_generated = model.sample(img_init.shape, img_init)
    print("Autocompletion samples:", img_generated[:, 0, :3])
    print("kept the given rows:", bool((img_generated[:, :, :2] == img[None, :, :2]).all()))

img = train_set[1][0][:, :3, :4]
autocomplete_image(img)

det_loader = data.DataLoader(train_set, batch_size=128, shuffle=False, drop_last=False)
imgs, _ = next(iter(det_loader))
imgs = imgs.to(device)
with torch.no_grad():
    out = model(imgs)
    out = F.softmax(out, dim=1)
    mean_out = out.mean(dim=[0, 2, 3, 4]).cpu().numpy()
    out = out.cpu().numpy()
hist = np.histogram(imgs.view(-1).cpu().numpy(), bins=256, range=(0, 256), density=True)[0]
print("pixel histogram mass", hist.sum(), "mean prediction sums to", mean_out.sum(), mean_out.shape)
print("one pixel's distribution", out[1, :, 0, 2, 2].argmax(), out[1, :, 0, 2, 2].max())

mu = torch.Tensor([128])
sigma = torch.Tensor([2.0])

def discrete_logistic(x, mu, sigma):
    return torch.sigmoid((x + 0.5 - mu) / sigma) - torch.sigmoid((x - 0.5 - mu) / sigma)

x = torch.arange(256)
p = discrete_logistic(x, mu, sigma)
print("Discrete logistic distribution", p.numpy()[125:131], p.sum())
'''

VISION_TRANSFORMER = r'''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data

def img_to_patch(x, patch_size, flatten_channels=True):
    """
    Args:
        x: Tensor representing the image of shape [B, C, H, W]
        patch_size: Number of pixels per dimension of the patches (integer)
        flatten_channels: If True, the patches will be returned in a flattened format
                           as a feature vector instead of a image grid.
    """
    B, C, H, W = x.shape
    x = x.reshape(B, C, H // patch_size, patch_size, W // patch_size, patch_size)
    x = x.permute(0, 2, 4, 1, 3, 5)  # [B, H', W', C, p_H, p_W]
    x = x.flatten(1, 2)  # [B, H'*W', C, p_H, p_W]
    if flatten_channels:
        x = x.flatten(2, 4)  # [B, H'*W', C*p_H*p_W]
    return x

# CIFAR10's images as random 3x16x16 ones
CIFAR_images = torch.rand(4, 3, 16, 16) * 2 - 1
img_patches = img_to_patch(CIFAR_images, patch_size=4, flatten_channels=False)
print(img_patches.shape, torch.equal(img_patches[0, 1], CIFAR_images[0, :, 0:4, 4:8]))

class AttentionBlock(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        """
        Args:
            embed_dim: Dimensionality of input and attention feature vectors
            hidden_dim: Dimensionality of hidden layer in feed-forward network
                         (usually 2-4x larger than embed_dim)
            num_heads: Number of heads to use in the Multi-Head Attention block
            dropout: Amount of dropout to apply in the feed-forward network
        """
        super().__init__()

        self.layer_norm_1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout)
        self.layer_norm_2 = nn.LayerNorm(embed_dim)
        self.linear = nn.Sequential(
            nn.Linear(embed_dim, hidden_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, embed_dim),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        inp_x = self.layer_norm_1(x)
        x = x + self.attn(inp_x, inp_x, inp_x)[0]
        x = x + self.linear(self.layer_norm_2(x))
        return x

class VisionTransformer(nn.Module):
    def __init__(
        self,
        embed_dim,
        hidden_dim,
        num_channels,
        num_heads,
        num_layers,
        num_classes,
        patch_size,
        num_patches,
        dropout=0.0,
    ):
        super().__init__()

        self.patch_size = patch_size

        # Layers/Networks
        self.input_layer = nn.Linear(num_channels * (patch_size**2), embed_dim)
        self.transformer = nn.Sequential(
            *(AttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout) for _ in range(num_layers))
        )
        self.mlp_head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))
        self.dropout = nn.Dropout(dropout)

        # Parameters/Embeddings
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, x):
        # Preprocess input
        x = img_to_patch(x, self.patch_size)
        B, T, _ = x.shape
        x = self.input_layer(x)

        # Add CLS token and positional encoding
        cls_token = self.cls_token.repeat(B, 1, 1)
        x = torch.cat([cls_token, x], dim=1)
        x = x + self.pos_embedding[:, : T + 1]

        # Apply Transforrmer
        x = self.dropout(x)
        x = x.transpose(0, 1)
        x = self.transformer(x)

        # Perform classification prediction
        cls = x[0]
        out = self.mlp_head(cls)
        return out

# The LightningModule ViT as a plain loop: AdamW and MultiStepLR (milestones scaled to the few steps here)
model_kwargs = {
    "embed_dim": 16,
    "hidden_dim": 32,
    "num_heads": 4,
    "num_layers": 2,
    "patch_size": 4,
    "num_channels": 3,
    "num_patches": 16,
    "num_classes": 10,
    "dropout": 0.2,
}
model = VisionTransformer(**model_kwargs)
print("parameters", sum(p.numel() for p in model.parameters()))
optimizer = optim.AdamW(model.parameters(), lr=3e-4)
lr_scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.1)

def _calculate_loss(batch, mode="train"):
    imgs, labels = batch
    preds = model(imgs)
    loss = F.cross_entropy(preds, labels)
    acc = (preds.argmax(dim=-1) == labels).float().mean()
    print(f"{mode}_loss {loss.item():.5f} {mode}_acc {acc.item():.3f}")
    return loss

train_set = data.TensorDataset(torch.rand(16, 3, 16, 16) * 2 - 1, torch.randint(0, 10, (16,)))
train_loader = data.DataLoader(train_set, batch_size=8, shuffle=True, drop_last=True)
for epoch in range(2):
    model.train()
    for batch in train_loader:
        loss = _calculate_loss(batch, mode="train")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    lr_scheduler.step()
    print("epoch", epoch, "lr", lr_scheduler.get_last_lr())
model.eval()
with torch.no_grad():
    _calculate_loss((CIFAR_images, torch.tensor([1, 2, 3, 4])), mode="val")
print("cls token grad seen:", model.cls_token.grad is not None, "pos embedding", tuple(model.pos_embedding.shape))
'''

PROGRAMS = {"gnn": GNN, "energy_models": ENERGY_MODELS, "autoencoders": AUTOENCODERS,
            "normalizing_flows": NORMALIZING_FLOWS, "pixelcnn": PIXELCNN, "vision_transformer": VISION_TRANSFORMER}
# Settings that would draw from each library's own generator: nn.MultiheadAttention's attention dropout (the
# harness turns off nn.Dropout layers only).
SAME_START = {"vision_transformer": [('"dropout": 0.2', '"dropout": 0.0')]}


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", PROGRAMS)
def test_uva_tutorial_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    compare_with_pytorch(PROGRAMS[name], name, monkeypatch, same_start=SAME_START.get(name, ()), show_tensors=True)


def _ours(name):
    """The program run with autograd_core: its namespace and what it printed."""
    ag.manual_seed(0)
    return run(with_our_imports(PROGRAMS[name]), name)


def test_gnn_layers_give_the_tutorials_printed_outputs():
    namespace, _ = _ours("gnn")
    # The tutorial's printed GCN output: each node the mean of its neighbours' features (itself included)
    np.testing.assert_array_equal(namespace["gcn_out"].numpy(), [[[1, 2], [3, 4], [4, 5], [4, 5]]])
    # and its GAT's, to the 4 decimals it prints (two heads, a = [[-0.2, 0.3], [0.1, -0.1]])
    np.testing.assert_allclose(namespace["gat_out"].numpy(),
                               [[[1.2913, 1.9800], [4.2344, 3.7725], [4.6798, 4.8362], [4.5043, 4.7351]]], atol=1e-4)


def test_gnn_training_lowers_the_loss():
    _, printed = _ours("gnn")
    losses = [float(line.split("loss ")[1].split(",")[0]) for line in printed.splitlines() if line.startswith("step")]
    assert len(losses) == 5 and losses[-1] < losses[0]


def test_energy_model_sampler_restores_the_model_and_grad_mode():
    namespace, printed = _ours("energy_models")
    assert "all parameters trainable again: True" in printed and "grad mode restored: True" in printed
    assert ag.is_grad_enabled()
    samples = namespace["imgs_per_step"]
    assert tuple(samples.shape) == (4, 2, 1, 28, 28)
    assert samples.min().item() >= -1 and samples.max().item() <= 1
    # the Langevin steps moved the images: each step's images differ from the previous step's
    assert all((samples[i] != samples[i + 1]).any().item() for i in range(3))
    # the buffer grew by one batch a step, new samples first
    assert len(namespace["sampler"].examples) == 4 + 2 * 4


def test_autoencoder_reconstruction_loss_and_neighbours():
    namespace, printed = _ours("autoencoders")
    losses = [float(line.split("val loss ")[1]) for line in printed.splitlines() if line.startswith("epoch")]
    assert losses[1] < losses[0]
    # the summed squared error of 3x32x32 images in [-1, 1] against a near-constant reconstruction: about 1024
    assert 500 < losses[0] < 2000
    model, embeds, test_z = namespace["model"], namespace["train_img_embeds"], namespace["test_z"]
    indices = namespace["find_similar_images"](namespace["test_imgs"][0], test_z[0], embeds, K=4)
    distances = np.linalg.norm(embeds[1].numpy() - test_z[0].numpy(), axis=1)
    np.testing.assert_array_equal(indices.numpy(), np.argsort(distances, kind="stable")[:4])
    assert tuple(model(model.example_input_array).shape) == (2, 3, 32, 32)


def test_normalizing_flow_inverts_and_gives_bits_per_dimension():
    namespace, printed = _ours("normalizing_flows")
    assert "max inversion error True ldj back to True" in printed
    assert "Successfully inverted dequantization" in printed or "Dequantization was not invertible." in printed
    # SqueezeFlow's forward on 1..16 is the tutorial's figure: 2x2 blocks become channels
    np.testing.assert_array_equal(namespace["forward_img"].permute(0, 2, 3, 1).numpy()[0, 0],
                                  [[1, 2, 5, 6], [3, 4, 7, 8]])
    np.testing.assert_array_equal(namespace["reconst_img"].numpy(), namespace["rand_img"].numpy())
    # random 8-bit images need about 8 bits a pixel; the flow starts there and learns a little
    bpds = [float(line.split("bpd ")[1]) for line in printed.splitlines() if line.startswith("epoch")]
    assert 7 < bpds[-1] < bpds[0] < 10
    flow = namespace["flow"]
    assert [name for name, _ in flow.named_buffers()][0] == "flows.0.flows.0.mask"
    assert any(key.endswith(".mask") for key in flow.state_dict())  # register_buffer: part of the state


def test_pixelcnn_receptive_fields_and_sampling():
    namespace, printed = _ours("pixelcnn")
    sizes = [int(line.split("size ")[1].split()[0]) for line in printed.splitlines() if "Binary receptive" in line]
    # the input itself, a horizontal stack without the centre (the pixel to the left), the vertical stack (the
    # row above), both (the L), four stacked layers (growing), the vertical stack alone, PixelCNN on 12x12
    assert sizes[:4] == [1, 1, 3, 4] and sizes[4:8] == sorted(sizes[4:8]) and sizes[-1] > sizes[-2] > 0
    assert printed.count("center pixel used: False") == len(sizes) - 1  # all but the input's own
    samples = namespace["samples"]
    assert samples.dtype == ag.int64 and samples.min().item() >= 0 and samples.max().item() <= 255
    assert "kept the given rows: True" in printed and "masked weights are zero: True" in printed


def test_vision_transformer_patches_and_training():
    namespace, printed = _ours("vision_transformer")
    patches = namespace["img_patches"]
    images = namespace["CIFAR_images"]
    # patch 5 is the second row's second 4x4 square of a 16x16 image
    np.testing.assert_array_equal(patches[0, 5].numpy(), images[0, :, 4:8, 4:8].numpy())
    flat = namespace["img_to_patch"](images, 4)
    assert tuple(flat.shape) == (4, 16, 48)
    losses = [float(line.split()[1]) for line in printed.splitlines() if line.startswith("train_loss")]
    assert len(losses) == 4 and all(1.5 < loss < 3.5 for loss in losses)  # about log(10) for 10 classes
    assert "epoch 1 lr [2.9999999999999997e-05]" in printed  # MultiStepLR's first milestone
    assert "cls token grad seen: True" in printed


# The library's fixes these programs needed, one test each.

def _langevin_steps(torch, mark):
    """Tutorial 8's sampling loop on a tiny energy: the image marked for gradients (`requires_grad = True` or
    `requires_grad_()`), changed through `.data` and `.grad` in place."""
    inp_imgs = torch.tensor([[0.9, -0.2, 0.4], [0.1, -0.95, 0.0]], dtype=torch.float64)
    if mark == "attribute":
        inp_imgs.requires_grad = True
    else:
        inp_imgs.requires_grad_()
    noise = torch.tensor([[0.2, -0.1, 0.05], [0.0, -0.2, 0.3]], dtype=torch.float64)
    weights = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]], dtype=torch.float64)
    for _ in range(3):
        inp_imgs.data.add_(noise.data)
        inp_imgs.data.clamp_(min=-1.0, max=1.0)
        out_imgs = -(torch.sin(inp_imgs * weights) * inp_imgs).sum()
        out_imgs.backward()
        inp_imgs.grad.data.clamp_(-0.03, 0.03)
        inp_imgs.data.add_(-10 * inp_imgs.grad.data)
        inp_imgs.grad.detach_()
        inp_imgs.grad.zero_()
        inp_imgs.data.clamp_(min=-1.0, max=1.0)
    return inp_imgs.detach().numpy(), inp_imgs.grad.numpy()


@pytest.mark.parametrize("mark", ["attribute", "method"])
def test_a_leaf_marked_for_gradients_changes_through_its_data_methods(mark):
    images, grad = _langevin_steps(ag, mark)
    assert not grad.any()
    assert images.min() >= -1 and images.max() <= 1 and (images != 0).any()
    torch = pytest.importorskip("torch")
    expected, _ = _langevin_steps(torch, mark)
    np.testing.assert_allclose(images, expected, rtol=1e-12)


def test_data_methods_stay_off_values_not_marked_for_gradients():
    plain = ag.zeros(2, 3)
    assert plain.data.__class__ is np.ndarray  # the engine's arrays stay plain: no cost to graphs
    marked = ag.zeros(2, 3)
    marked.requires_grad_()
    data = marked.data
    data.mul_(2.0).add_(1.0)  # the same memory: the Value changes with it
    np.testing.assert_array_equal(marked.detach().numpy(), np.ones((2, 3)))
    assert np.shares_memory(data, marked.detach().numpy())
    scalar = ag.tensor(1.5)
    scalar.requires_grad_()
    assert np.ndim(scalar.data) == 0  # a 0-d Value keeps its NumPy scalar


def test_operations_on_leaves_marked_for_gradients_give_plain_arrays():
    # makemore's `for p in parameters: p.requires_grad = True`: the class must not spread through the graph (every
    # operation would pay NumPy's handling of a subclass)
    x = ag.randn(3, 4)
    x.requires_grad = True
    w = ag.nn.Parameter(ag.randn(4, 2))
    for result in (x * 2, x @ w, w.T @ x.T, x.tanh(), x + x, x.sum(dim=0), (x @ w).relu()):
        assert result.data.__class__ is np.ndarray, result
    y = (x @ w).sum()
    y.backward()
    assert x.grad.__class__.__name__ == "GradArray" and x.grad.shape == (3, 4)
    np.testing.assert_allclose(x.grad, np.broadcast_to(w.detach().numpy().sum(axis=1), (3, 4)))


def test_gradient_squeeze_keeps_the_tensor_methods():
    # Tutorial 12's receptive field: `img.grad.abs().squeeze().cpu().numpy()`
    img = ag.zeros(1, 1, 3, 3)
    img.requires_grad_()
    (img * ag.arange(9.0).view(1, 1, 3, 3)).sum().backward()
    field = img.grad.abs().squeeze().cpu().numpy()
    np.testing.assert_array_equal(field, np.arange(9.0).reshape(3, 3))
    assert img.grad.squeeze(0).shape == (1, 3, 3)
    assert np.squeeze(img.grad).cpu().shape == (3, 3)
    assert tuple(img.grad.squeeze(dim=1).shape) == (1, 3, 3)  # PyTorch's dim=: a Value


def test_meshgrid_without_indexing_warns_once_as_pytorch_does(monkeypatch):
    from autograd_core.ops import arrange

    monkeypatch.setattr(arrange, "_INDEXING_WARNED", [])
    x = ag.arange(3)
    with pytest.warns(UserWarning, match=r"^torch\.meshgrid: in an upcoming release, it will be required to pass "
                                         r"the indexing argument\.$"):
        xx, _ = ag.meshgrid(x, x)
    np.testing.assert_array_equal(xx.numpy(), np.repeat(np.arange(3)[:, None], 3, axis=1))  # "ij", as before
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.meshgrid(x, x)  # once a process
        ag.meshgrid(x, x, indexing="xy")


def test_assigning_into_an_expanded_value_raises_as_pytorch_does():
    # PixelCNN's autocompletion writes samples into `img_init.unsqueeze(dim=0).expand(12, -1, -1, -1)`: on a CPU
    # (where `.to(device)` copies nothing) PyTorch refuses the write; a copy here would silently stop being a view
    img = ag.zeros(1, 3, 4)
    expanded = img.unsqueeze(dim=0).expand(2, -1, -1, -1).to("cpu")
    with pytest.raises(RuntimeError, match="more than one element of the written-to Value refers to a single "
                                           "memory location"):
        expanded[:, 0, 1, 1] = ag.tensor([3.0, 4.0])
    assert not img.any() and not expanded.any()  # nothing written
    repeated = img.unsqueeze(dim=0).repeat(2, 1, 1, 1)  # what the program writes instead
    repeated[:, 0, 1, 1] = ag.tensor([3.0, 4.0])
    assert repeated[:, 0, 1, 1].tolist() == [3.0, 4.0]
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(1, 3, 4).unsqueeze(dim=0).expand(2, -1, -1, -1).to("cpu")
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single "
                                           "memory location"):
        theirs[:, 0, 1, 1] = torch.tensor([3.0, 4.0])

"""Sebastian Raschka's "Build a Large Language Model (From Scratch)" (rasbt/LLMs-from-scratch), chapter 7
("Fine-tuning to follow instructions"), run with `import autograd_core as torch`, giving PyTorch's numbers; chapters
2 to 6 are tests/test_llms_from_scratch.py, appendices A, D and E tests/test_llms_from_scratch_appendices.py (whose
GPT and pretraining functions, as previous_chapters.py collects them, this program starts from).

The program follows the chapter's structure and API calls, in our own words (comments and printed lines ours): the
instruction data read with json.load, format_input's Alpaca prompt, the 85/10/5 split, InstructionDataset,
custom_collate_draft_1/_2 and custom_collate_fn (padding with <|endoftext|>, `torch.nonzero(mask).squeeze()`,
`targets[indices[1:]] = ignore_index`, allowed_max_length), cross_entropy's ignore_index=-100 shown on the chapter's
small logits, `functools.partial` of the collate function into the DataLoaders, ch05's `generate` with eos_id
(`if idx_next == eos_id: break`, and top-k and temperature), the response cut from the generated text, the losses
before training, train_model_simple with AdamW, the test set's responses generated and written with json.dump, and
the fine-tuned model's state dict saved and loaded.

What stands in for what: GPT-2 medium's download (gpt_download.py, TensorFlow) is a GPT of the chapter's classes,
context 64, width 16, two heads and two layers, trained from its random start (learning rate 0.02 instead of
0.00005, 10 epochs instead of 2); tiktoken's GPT-2 encoding is the appendices' WordTokenizer made from the data, and
GPT-2's <|endoftext|> id 50256 its last id (the collate drafts keep 50256 on their toy batch); the instruction file
(a download) is made-up instructions the test writes; tqdm's progress bar and section 7.8's Ollama evaluation
(a local Llama 3 server) are left out. Dropout is 0.0, as the chapter's.

It runs with autograd_core alone, and with PyTorch from the same draws (tests/program_harness.py) every number
printed agrees to float32 precision and every generated response is the same.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from program_harness import reported_numbers, run, with_our_imports
from test_llms_from_scratch_appendices import GPT_DEFINITIONS, LM_DEFINITIONS, compare

import autograd_core as ag

CH07 = GPT_DEFINITIONS + LM_DEFINITIONS + r'''
import json
from functools import partial


# ch05's generate and train_model_simple, as previous_chapters.py has them
def generate(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None, eos_id=None):
    for _ in range(max_new_tokens):
        idx_cond = idx[:, -context_size:]
        with torch.no_grad():
            logits = model(idx_cond)
        logits = logits[:, -1, :]
        if top_k is not None:  # keep the top_k logits, the others -inf
            top_logits, _ = torch.topk(logits, top_k)
            min_val = top_logits[:, -1]
            logits = torch.where(logits < min_val, torch.tensor(float("-inf")).to(logits.device), logits)
        if temperature > 0.0:
            logits = logits / temperature
            probs = torch.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
        else:
            idx_next = torch.argmax(logits, dim=-1, keepdim=True)
        if idx_next == eos_id:  # stop at the end-of-sequence token
            break
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs, eval_freq, eval_iter,
                       start_context, tokenizer):
    train_losses, val_losses, track_tokens_seen = [], [], []
    tokens_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()
            tokens_seen += input_batch.numel()
            global_step += 1
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                track_tokens_seen.append(tokens_seen)
                print(f"Ep {epoch+1} (Step {global_step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, track_tokens_seen


# 7.2 the dataset
file_path = "instruction-data.json"  # downloaded in the book
with open(file_path, "r", encoding="utf-8") as file:
    data = json.load(file)
print("Number of entries:", len(data))
print("Example entry:", data[5])


def format_input(entry):
    instruction_text = (
        f"Below is an instruction that describes a task. "
        f"Write a response that appropriately completes the request."
        f"\n\n### Instruction:\n{entry['instruction']}"
    )
    input_text = f"\n\n### Input:\n{entry['input']}" if entry["input"] else ""
    return instruction_text + input_text


model_input = format_input(data[5])
desired_response = f"\n\n### Response:\n{data[5]['output']}"
print(model_input + desired_response)
model_input = format_input(data[1])  # one without an input
print(model_input + f"\n\n### Response:\n{data[1]['output']}")

train_portion = int(len(data) * 0.85)
test_portion = int(len(data) * 0.1)
val_portion = len(data) - train_portion - test_portion
train_data = data[:train_portion]
test_data = data[train_portion:train_portion + test_portion]
val_data = data[train_portion + test_portion:]
print("Training set length:", len(train_data))
print("Validation set length:", len(val_data))
print("Test set length:", len(test_data))

# tiktoken.get_encoding("gpt2") in the book
tokenizer = WordTokenizer("".join(format_input(e) + f"\n\n### Response:\n{e['output']}" for e in data))
END_OF_TEXT = tokenizer.encode("<|endoftext|>", allowed_special={"<|endoftext|>"})[0]  # 50256 in GPT-2
print("end of text", END_OF_TEXT == tokenizer.n_vocab - 1)


# 7.3 batches
class InstructionDataset(Dataset):
    def __init__(self, data, tokenizer):
        self.data = data
        self.encoded_texts = []
        for entry in data:  # each text encoded once, up front
            instruction_plus_input = format_input(entry)
            response_text = f"\n\n### Response:\n{entry['output']}"
            full_text = instruction_plus_input + response_text
            self.encoded_texts.append(tokenizer.encode(full_text))

    def __getitem__(self, index):
        return self.encoded_texts[index]

    def __len__(self):
        return len(self.data)


def custom_collate_draft_1(batch, pad_token_id=50256, device="cpu"):
    batch_max_length = max(len(item) + 1 for item in batch)
    inputs_lst = []
    for item in batch:
        new_item = item.copy()
        new_item += [pad_token_id]
        padded = new_item + [pad_token_id] * (batch_max_length - len(new_item))
        inputs = torch.tensor(padded[:-1])  # the extra token added above dropped
        inputs_lst.append(inputs)
    return torch.stack(inputs_lst).to(device)


inputs_1 = [0, 1, 2, 3, 4]
inputs_2 = [5, 6]
inputs_3 = [7, 8, 9]
batch = (inputs_1, inputs_2, inputs_3)
print(custom_collate_draft_1(batch))


def custom_collate_draft_2(batch, pad_token_id=50256, device="cpu"):
    batch_max_length = max(len(item) + 1 for item in batch)
    inputs_lst, targets_lst = [], []
    for item in batch:
        new_item = item.copy()
        new_item += [pad_token_id]
        padded = new_item + [pad_token_id] * (batch_max_length - len(new_item))
        inputs = torch.tensor(padded[:-1])
        targets = torch.tensor(padded[1:])  # moved on by one
        inputs_lst.append(inputs)
        targets_lst.append(targets)
    return torch.stack(inputs_lst).to(device), torch.stack(targets_lst).to(device)


inputs, targets = custom_collate_draft_2(batch)
print(inputs)
print(targets)


def custom_collate_fn(batch, pad_token_id=50256, ignore_index=-100, allowed_max_length=None, device="cpu"):
    batch_max_length = max(len(item) + 1 for item in batch)
    inputs_lst, targets_lst = [], []
    for item in batch:
        new_item = item.copy()
        new_item += [pad_token_id]
        padded = new_item + [pad_token_id] * (batch_max_length - len(new_item))
        inputs = torch.tensor(padded[:-1])
        targets = torch.tensor(padded[1:])
        # every padding token of the targets but the first is ignored by the loss
        mask = targets == pad_token_id
        indices = torch.nonzero(mask).squeeze()
        if indices.numel() > 1:
            targets[indices[1:]] = ignore_index
        if allowed_max_length is not None:
            inputs = inputs[:allowed_max_length]
            targets = targets[:allowed_max_length]
        inputs_lst.append(inputs)
        targets_lst.append(targets)
    return torch.stack(inputs_lst).to(device), torch.stack(targets_lst).to(device)


inputs, targets = custom_collate_fn(batch)
print(inputs)
print(targets)

logits_1 = torch.tensor(
    [[-1.0, 1.0],  # the first token's predictions
     [-0.5, 1.5]]  # the second's
)
targets_1 = torch.tensor([0, 1])
loss_1 = torch.nn.functional.cross_entropy(logits_1, targets_1)
print(loss_1)
logits_2 = torch.tensor([[-1.0, 1.0], [-0.5, 1.5], [-0.5, 1.5]])
targets_2 = torch.tensor([0, 1, 1])
loss_2 = torch.nn.functional.cross_entropy(logits_2, targets_2)
print(loss_2)
targets_3 = torch.tensor([0, 1, -100])
loss_3 = torch.nn.functional.cross_entropy(logits_2, targets_3)
print(loss_3)
print("loss_1 == loss_3:", loss_1 == loss_3)

# 7.4 data loaders
BASE_CONFIG = {
    "vocab_size": tokenizer.n_vocab,  # 50257 in GPT-2
    "context_length": 64,  # 1024
    "drop_rate": 0.0,
    "qkv_bias": True,
    "emb_dim": 16,  # 1024 in GPT-2 medium
    "n_layers": 2,  # 24
    "n_heads": 2,  # 16
}
device = torch.device("cpu")
customized_collate_fn = partial(custom_collate_fn, pad_token_id=END_OF_TEXT, device=device,
                                allowed_max_length=BASE_CONFIG["context_length"])  # 1024 in the book
num_workers = 0
batch_size = 8
torch.manual_seed(123)
train_dataset = InstructionDataset(train_data, tokenizer)
train_loader = DataLoader(train_dataset, batch_size=batch_size, collate_fn=customized_collate_fn, shuffle=True,
                          drop_last=True, num_workers=num_workers)
val_dataset = InstructionDataset(val_data, tokenizer)
val_loader = DataLoader(val_dataset, batch_size=batch_size, collate_fn=customized_collate_fn, shuffle=False,
                        drop_last=False, num_workers=num_workers)
test_dataset = InstructionDataset(test_data, tokenizer)
test_loader = DataLoader(test_dataset, batch_size=batch_size, collate_fn=customized_collate_fn, shuffle=False,
                         drop_last=False, num_workers=num_workers)
print("Train loader:")
for inputs, targets in train_loader:
    print(inputs.shape, targets.shape)
print("ignored targets in the last batch", (targets == -100).sum().item(), "of", targets.numel())

# 7.5 the model (GPT-2 medium's weights loaded in the book)
torch.manual_seed(123)
model = GPTModel(BASE_CONFIG)
model.eval()
torch.manual_seed(123)
input_text = format_input(val_data[0])
print(input_text)
token_ids = generate(model=model, idx=text_to_token_ids(input_text, tokenizer), max_new_tokens=10,
                     context_size=BASE_CONFIG["context_length"], eos_id=END_OF_TEXT)
generated_text = token_ids_to_text(token_ids, tokenizer)
response_text = generated_text[len(input_text):].strip()
print("untrained response:", repr(response_text))

# 7.6 fine-tuning
model.to(device)
torch.manual_seed(123)
with torch.no_grad():
    train_loss = calc_loss_loader(train_loader, model, device, num_batches=5)
    val_loss = calc_loss_loader(val_loader, model, device, num_batches=5)
print("Training loss:", train_loss)
print("Validation loss:", val_loss)

torch.manual_seed(123)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.02, weight_decay=0.1)  # lr=0.00005 in the book
num_epochs = 10  # 2
train_losses, val_losses, tokens_seen = train_model_simple(
    model, train_loader, val_loader, optimizer, device, num_epochs=num_epochs, eval_freq=5, eval_iter=5,
    start_context=format_input(val_data[0]), tokenizer=tokenizer)

# 7.7 the test set's responses
torch.manual_seed(123)
for entry in test_data[:3]:
    input_text = format_input(entry)
    token_ids = generate(model=model, idx=text_to_token_ids(input_text, tokenizer).to(device), max_new_tokens=16,
                         context_size=BASE_CONFIG["context_length"], eos_id=END_OF_TEXT)
    generated_text = token_ids_to_text(token_ids, tokenizer)
    response_text = generated_text[len(input_text):].replace("### Response:", "").strip()
    print(f"Correct response: >> {entry['output']}")
    print(f"Model response: >> {response_text.strip()}")

for i, entry in enumerate(test_data):  # tqdm(enumerate(test_data), total=len(test_data)) in the book
    input_text = format_input(entry)
    token_ids = generate(model=model, idx=text_to_token_ids(input_text, tokenizer).to(device), max_new_tokens=16,
                         context_size=BASE_CONFIG["context_length"], eos_id=END_OF_TEXT, top_k=3, temperature=0.5)
    generated_text = token_ids_to_text(token_ids, tokenizer)
    response_text = generated_text[len(input_text):].replace("### Response:", "").strip()
    test_data[i]["model_response"] = response_text
with open("instruction-data-with-response.json", "w") as file:
    json.dump(test_data, file, indent=4)
for entry in test_data:
    print(f"Sampled response: >> {entry['model_response']}")

file_name = "gpt2-medium355M-sft.pth"
torch.save(model.state_dict(), file_name)
print(f"Model saved as {file_name}")
model = GPTModel(BASE_CONFIG)
model.load_state_dict(torch.load(file_name, weights_only=True))
with torch.no_grad():
    print("reloaded validation loss", calc_loss_loader(val_loader, model, device, num_batches=5))
'''

ANIMALS = ["cat", "dog", "bird", "fox", "cow", "hen", "pig", "owl"]
OPPOSITES = [("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"), ("old", "new"), ("dark", "light")]
COLORS = [("sky", "blue"), ("grass", "green"), ("snow", "white"), ("sun", "yellow")]


def instruction_data():
    """Made-up instructions in the chapter's format (instruction, input, output), some without an input."""
    data = []
    for animal in ANIMALS:
        data.append({"instruction": "Give the plural of the word.", "input": animal,
                     "output": f"The plural of {animal} is {animal}s."})
    for word, opposite in OPPOSITES:
        data.append({"instruction": "What is the opposite of the word?", "input": word,
                     "output": f"The opposite of {word} is {opposite}."})
        data.append({"instruction": "What is the opposite of the word?", "input": opposite,
                     "output": f"The opposite of {opposite} is {word}."})
    for thing, color in COLORS:
        data.append({"instruction": f"Name the color of the {thing}.", "input": "",
                     "output": f"The {thing} is {color}."})
    for animal in ANIMALS:
        data.append({"instruction": "Write a sentence with the word.", "input": animal,
                     "output": f"The {animal} is in the house."})
    return data


@pytest.fixture
def instruction_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "instruction-data.json").write_text(json.dumps(instruction_data(), indent=4), encoding="utf-8")
    return tmp_path


STEP = re.compile(r"Ep (\d+) \(Step (\d+)\): Train loss ([\d.]+), Val loss ([\d.]+)")


def test_ch07_runs_with_autograd_core(instruction_file):
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(CH07), "llms_ch07")
    numbers = reported_numbers(printed)
    assert len(numbers) > 20 and np.all(np.isfinite(numbers)), printed
    eot = namespace["END_OF_TEXT"]
    assert namespace["custom_collate_draft_1"](namespace["batch"]).tolist() == [
        [0, 1, 2, 3, 4], [5, 6, 50256, 50256, 50256], [7, 8, 9, 50256, 50256]]
    inputs, targets = namespace["custom_collate_fn"](namespace["batch"])
    assert targets.tolist() == [[1, 2, 3, 4, 50256], [6, 50256, -100, -100, -100], [8, 9, 50256, -100, -100]]
    inputs, targets = namespace["custom_collate_fn"](namespace["batch"], allowed_max_length=3)
    assert inputs.shape == targets.shape == (3, 3)
    losses = [namespace[name].item() for name in ("loss_1", "loss_2", "loss_3")]
    assert losses[0] == losses[2] != losses[1], printed  # ignore_index=-100: the third row does not count
    # every batch of the training loader has the inputs' and the targets' shape, 8 rows; padding ignored after the
    # first <|endoftext|> of each row
    for inputs, targets in namespace["train_loader"]:
        assert inputs.shape == targets.shape and inputs.shape[0] == 8
        for row in targets.tolist():
            if eot in row:
                assert row[row.index(eot) + 1:] == [-100] * (len(row) - row.index(eot) - 1)
    steps = [(int(s), float(t), float(v)) for _, s, t, v in STEP.findall(printed)]
    assert steps[-1][1] < steps[0][1] / 2, printed
    assert namespace["val_losses"][-1] < namespace["val_loss"] / 2, printed
    reloaded = float(re.search(r"reloaded validation loss (\S+)", printed)[1])
    model, loader = namespace["model"], namespace["val_loader"]
    assert reloaded == pytest.approx(namespace["calc_loss_loader"](loader, model, "cpu", num_batches=5), rel=1e-6)
    # the fine-tuned model answers in the data's words: "The ..." as every output begins
    answers = re.findall(r"^Model response: >> (.*)$", printed, re.M)
    assert len(answers) == 3 and all(a.startswith("The ") for a in answers), printed
    written = json.loads((instruction_file / "instruction-data-with-response.json").read_text())
    assert len(written) == len(namespace["test_data"]) and all("model_response" in e for e in written)


def test_ch07_gives_pytorchs_numbers(instruction_file, monkeypatch):
    ours, _ = compare(CH07, "llms_ch07", monkeypatch, fewest=100,
                      same_lines=("Model response", "Sampled response", "untrained response"))
    assert np.sum([line.startswith("Sampled response") for line in ours.splitlines()]) == 3

#!/usr/bin/python3
"""Generator for grove's PyTorch-checkpoint test fixtures (our own code).

This script is the record of how the files in tests/data/torch/ were made.
It needs Debian 12's PyTorch (apt-get install python3-torch, torch 1.13.x)
and the system interpreter.  Rerun with:

    /usr/bin/python3 tests/data/torch/make_fixtures.py tests/data/torch

Add --dump to also print pickletools disassemblies of every pickle written.

For every fixture NAME it writes:

  NAME.pt                   what torch.save wrote (zip format, except
                            "legacy", which uses the pre-1.6 non-zip format)
  NAME.expected.safetensors the expected content, written by hand here (no
                            safetensors library): every tensor of the
                            checkpoint as its contiguous raw bytes, named by
                            its path in the checkpoint with "." between levels
                            (list/tuple positions as numbers).  The header's
                            "__metadata__" holds "non_tensors": a JSON string
                            of {path: value} for every non-tensor leaf (int,
                            float, str, bool, None); the "evil" fixture also
                            records "forbidden_global" ("module name", as
                            pickle wrote it) and "forbidden_path".

The "evil" checkpoint contains a pickled call to os.system; this script never
unpickles it with torch.load or pickle.load.
"""

import collections
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import zipfile

import torch
import torch.nn as nn

assert sys.byteorder == "little", "fixtures assume a little-endian host"

# torch dtype -> (safetensors dtype name, element size in bytes)
DTYPES = {
    torch.float64: ("F64", 8),
    torch.float32: ("F32", 4),
    torch.float16: ("F16", 2),
    torch.bfloat16: ("BF16", 2),
    torch.int64: ("I64", 8),
    torch.int32: ("I32", 4),
    torch.int16: ("I16", 2),
    torch.int8: ("I8", 1),
    torch.uint8: ("U8", 1),
    torch.bool: ("BOOL", 1),
}
ST_ELEM_SIZE = {name: size for name, size in DTYPES.values()}

# Legacy storage class name -> element size (for checking the legacy layout).
LEGACY_STORAGE_ELEM_SIZE = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2,
    "BFloat16Storage": 2, "LongStorage": 8, "IntStorage": 4,
    "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
}


# ----------------------------------------------------------------------------
# Fixture contents
# ----------------------------------------------------------------------------

def make_all_dtypes():
    torch.manual_seed(0)
    specials = torch.tensor([float("inf"), float("-inf"), float("nan"), -0.0])

    f64 = torch.randn(3, 4, dtype=torch.float64)
    f64.view(-1)[:4] = specials.double()
    f64[2, 3] = 1e-310                      # denormal
    f64[2, 2] = -4.9406564584124654e-324    # smallest denormal, negative

    f32 = torch.randn(3, 4, dtype=torch.float32)
    f32.view(-1)[:4] = specials
    f32[2, 3] = 1e-40                       # denormal
    f32[2, 2] = -1.401298464324817e-45      # smallest denormal, negative

    f16 = torch.randn(3, 4).to(torch.float16)
    f16.view(-1)[:4] = specials.half()
    f16[2, 3] = 1e-5                        # denormal (min normal 6.1e-5)
    f16[2, 2] = -5.960464477539063e-08      # smallest denormal, negative
    f16[2, 1] = 65504.0                     # max finite

    bf16 = torch.randn(3, 4).to(torch.bfloat16)
    bf16.view(-1)[:4] = specials.bfloat16()
    bf16[2, 3] = 1e-39                      # denormal
    bf16[2, 2] = -9.183549615799121e-41     # smallest denormal, negative

    i64 = torch.arange(-6, 6, dtype=torch.int64).reshape(3, 4) * 1000003
    i64[0, 0] = -(2 ** 63)
    i64[0, 1] = 2 ** 63 - 1
    i64[0, 2] = 2 ** 40 + 7
    i32 = torch.arange(-6, 6, dtype=torch.int32).reshape(3, 4) * 1009
    i32[0, 0] = -(2 ** 31)
    i32[0, 1] = 2 ** 31 - 1
    i16 = torch.arange(-6, 6, dtype=torch.int16).reshape(3, 4) * 101
    i16[0, 0] = -(2 ** 15)
    i16[0, 1] = 2 ** 15 - 1
    i8 = torch.arange(-6, 6, dtype=torch.int8).reshape(3, 4)
    i8[0, 0] = -128
    i8[0, 1] = 127
    u8 = torch.arange(0, 12, dtype=torch.uint8).reshape(3, 4) * 20
    u8[0, 0] = 255
    b = torch.tensor([[True, False, True, True],
                      [False, False, True, False],
                      [True, True, False, False]])

    return {
        "f64": f64, "f32": f32, "f16": f16, "bf16": bf16,
        "i64": i64, "i32": i32, "i16": i16, "i8": i8, "u8": u8,
        "bool": b,
        "scalar": torch.tensor(3.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def make_ordered_dict():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 3),
        nn.LayerNorm(3),
        nn.Conv3d(2, 2, (1, 3, 3)),
        nn.BatchNorm1d(3),
    )
    # Give the BatchNorm buffers non-default values (num_batches_tracked=2).
    bn = model[3]
    bn.train()
    with torch.no_grad():
        bn(torch.randn(6, 3))
        bn(torch.randn(6, 3))
    sd = model.state_dict()
    assert isinstance(sd, collections.OrderedDict)
    return sd


def make_nested():
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    return {
        "model": lin.state_dict(),
        "optimizer": {"lr": 0.001, "step": 7, "name": "adamw",
                      "betas": (0.9, 0.95)},
        "epoch": 3,
        "state_dict": {"w": torch.randn(2, 2)},
    }


def make_views():
    torch.manual_seed(0)
    base = torch.arange(48, dtype=torch.float32).reshape(6, 8)
    return {
        "base": base,
        "rows": base[2:4],              # storage offset 16
        "t": base.t(),                  # strides (1, 8)
        "strided": base[:, ::3],        # strides (8, 3)
        "same": base,                   # the same object again (memo hit)
        "col": base[:, 5],              # offset 5, stride (8,)
        "param": nn.Parameter(torch.randn(2, 3)),
        "other_dtype_view": torch.arange(8, dtype=torch.int32)[1:7:2],
    }


def make_legacy():
    obj = dict(make_all_dtypes())
    obj.update(make_views())
    return obj


class Evil:
    """Pickles as a call to os.system (posix.system on Linux)."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def make_evil():
    torch.manual_seed(0)
    return {"w": torch.randn(2, 2), "x": Evil()}


# ----------------------------------------------------------------------------
# Flattening and the hand-written safetensors file
# ----------------------------------------------------------------------------

def flatten(obj, prefix="", tensors=None, others=None, skip=()):
    """Walk dicts/lists/tuples; collect tensors and plain non-tensor leaves."""
    if tensors is None:
        tensors, others = collections.OrderedDict(), collections.OrderedDict()
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            assert isinstance(k, str)
            flatten(v, f"{prefix}.{k}" if prefix else k, tensors, others, skip)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            flatten(v, f"{prefix}.{i}" if prefix else str(i), tensors, others,
                    skip)
    elif obj is None or isinstance(obj, (bool, int, float, str)):
        others[prefix] = obj
    elif isinstance(obj, skip):
        pass
    else:
        raise TypeError(f"unexpected leaf {prefix}: {type(obj)}")
    return tensors, others


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    if t.dtype == torch.bool:
        data = t.numpy().tobytes()
        assert set(data) <= {0, 1}
        return data
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    # Larger element sizes first so each tensor is aligned to its element
    # size (the data section starts at a multiple of 8).  sorted() is stable.
    order = sorted(tensors.items(), key=lambda kv: -DTYPES[kv[1].dtype][1])
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in order:
        dtype_name, _ = DTYPES[t.dtype]
        data = tensor_bytes(t)
        header[name] = {"dtype": dtype_name, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hjson = json.dumps(header, allow_nan=False).encode("utf-8")
    hjson += b" " * (-len(hjson) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for data in blobs:
            f.write(data)


def read_safetensors(path):
    """Parse and validate; return (metadata, {name: (dtype, shape, bytes)})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and 8 + n <= len(raw)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values())
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    pos = 0
    out = {}
    for name, info in entries:
        begin, end = info["data_offsets"]
        size = ST_ELEM_SIZE[info["dtype"]]
        numel = 1
        for d in info["shape"]:
            numel *= d
        assert begin == pos, f"{path}: hole/overlap before {name}"
        assert end - begin == numel * size, f"{path}: bad size for {name}"
        assert begin % size == 0, f"{path}: misaligned {name}"
        out[name] = (info["dtype"], info["shape"], data[begin:end])
        pos = end
    assert pos == len(data), f"{path}: trailing bytes"
    return metadata, out


# ----------------------------------------------------------------------------
# Looking inside the .pt files without executing their pickles
# ----------------------------------------------------------------------------

class _Global:
    def __init__(self, module, name):
        self.module, self.name = module, name

    def __repr__(self):
        return f"{self.module}.{self.name}"

    def __call__(self, *args):
        return ("CALL", f"{self.module} {self.name}", args)


class _InertUnpickler(pickle.Unpickler):
    """Resolves every global to an inert placeholder; records persistent ids."""

    def __init__(self, f):
        super().__init__(f)
        self.pids = []
        self.globals = []

    def find_class(self, module, name):
        self.globals.append(f"{module} {name}")
        return _Global(module, name)

    def persistent_load(self, pid):
        self.pids.append(pid)
        return ("PID", pid)


def opcode_names(data):
    return sorted({op.name for op, _, _ in pickletools.genops(data)})


def global_names(data):
    names = []
    strings = []  # for STACK_GLOBAL (protocol >= 4)
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            names.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.append(" ".join(strings[-2:]))
        if isinstance(arg, str):
            strings.append(arg)
    return names


def zip_pickle(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl")]
        assert len(pkl) == 1, names
        return names, z.read(pkl[0])


def read_legacy(path):
    """Split a legacy file into its pickles and storages (no torch needed)."""
    with open(path, "rb") as f:
        raw = f.read()
    f = io.BytesIO(raw)
    pickles = []
    for _ in range(3):                      # magic, protocol version, sys_info
        start = f.tell()
        value = pickle.load(f)              # plain ints / dicts only
        pickles.append((raw[start:f.tell()], value))
    start = f.tell()
    up = _InertUnpickler(f)
    up.load()
    pickles.append((raw[start:f.tell()], None))
    start = f.tell()
    keys = pickle.load(f)                   # list of str
    pickles.append((raw[start:f.tell()], keys))
    pid_by_key = {}
    for pid in up.pids:
        pid_by_key.setdefault(pid[2], pid)
    storages = {}
    for key in keys:
        (count,) = struct.unpack("<q", f.read(8))
        elem = LEGACY_STORAGE_ELEM_SIZE[pid_by_key[key][1].name]
        assert count == pid_by_key[key][4], (key, count, pid_by_key[key])
        storages[key] = f.read(count * elem)
        assert len(storages[key]) == count * elem
    assert f.tell() == len(raw), "trailing bytes in legacy file"
    return pickles, up, storages


# ----------------------------------------------------------------------------

FIXTURES = [
    ("all_dtypes", make_all_dtypes, {}),
    ("ordered_dict", make_ordered_dict, {}),
    ("nested", make_nested, {}),
    ("views", make_views, {}),
    ("legacy", make_legacy, {"_use_new_zipfile_serialization": False}),
    ("evil", make_evil, {}),
]


def main(argv):
    dump = "--dump" in argv
    args = [a for a in argv[1:] if a != "--dump"]
    outdir = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)

    for name, make, save_kwargs in FIXTURES:
        obj = make()
        pt = os.path.join(outdir, f"{name}.pt")
        torch.save(obj, pt, **save_kwargs)

        skip = (Evil,) if name == "evil" else ()
        tensors, others = flatten(obj, skip=skip)
        metadata = {"non_tensors": json.dumps(others, allow_nan=False)}

        if name == "evil":
            _, pkl = zip_pickle(pt)
            evil_globals = [g for g in global_names(pkl)
                            if not g.startswith(("torch", "collections"))]
            assert len(evil_globals) == 1, evil_globals
            metadata["forbidden_global"] = evil_globals[0]
            metadata["forbidden_path"] = "x"

        st = os.path.join(outdir, f"{name}.expected.safetensors")
        write_safetensors(st, tensors, metadata)

        # --- verification ---
        meta_back, st_back = read_safetensors(st)
        assert meta_back == metadata
        assert json.loads(meta_back["non_tensors"]) == others
        assert list(st_back) != [] and set(st_back) == set(tensors)
        for k, t in tensors.items():
            assert st_back[k][2] == tensor_bytes(t), k

        if name != "evil":
            loaded = torch.load(pt)
            l_tensors, l_others = flatten(loaded)
            assert l_others == others, (l_others, others)
            assert list(l_tensors) == list(tensors)
            for k, t in l_tensors.items():
                dtype_name, _ = DTYPES[t.dtype]
                assert st_back[k][0] == dtype_name, k
                assert st_back[k][1] == list(t.shape), k
                assert st_back[k][2] == tensor_bytes(t), k
                assert type(t) is type(tensors[k]), k
        for path in (pt, st):
            assert os.path.getsize(path) < 50 * 1024, path

        if name == "legacy":
            pickles, up, storages = read_legacy(pt)
            assert pickles[0][1] == 0x1950a86a20f9469cfc6c
            assert pickles[1][1] == 1001
            labels = ["magic", "protocol_version", "sys_info", "object",
                      "storage_keys"]
        else:
            entries, pkl = zip_pickle(pt)
            pickles = [(pkl, None)]
            labels = ["data.pkl"]
        print(f"{name}: {os.path.getsize(pt)} bytes .pt, "
              f"{os.path.getsize(st)} bytes .expected.safetensors, "
              f"{len(tensors)} tensors, {len(others)} non-tensor leaves")
        if dump:
            if name != "legacy":
                print("  zip entries:", entries)
            for label, (data, _) in zip(labels, pickles):
                print(f"  --- {label}: opcodes {opcode_names(data)}")
                print(f"      globals {global_names(data)}")
                pickletools.dis(data, out=sys.stdout, indentlevel=2)


if __name__ == "__main__":
    main(sys.argv)

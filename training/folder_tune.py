"""What the commands that fine-tune a shipped model folder without its checkpoint share (robust_distill.py moves the
encoder, decoder_tune.py and finding_preference.py the decoder): a CLI built from the run's config dataclass, its
frame (usage, errors, what to run next), the copy of the source folder, and the manifest's record of the run. The
source folder is never written to."""
import argparse
import dataclasses
import datetime
import json
import shutil
import sys
from pathlib import Path

from .export import verify_model_folder


def parse_config(config_cls, argv, description):
    """argv → config_cls, one --flag per field (underscores as dashes, the field's default and type)."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    d = config_cls()
    for f in dataclasses.fields(config_cls):
        kind = type(getattr(d, f.name))
        ap.add_argument("--" + f.name.replace("_", "-"), type=_flag_bool if kind is bool else kind,
                        default=getattr(d, f.name))
    return config_cls(**vars(ap.parse_args(argv)))


def run_command(name, cfg, missing, tune, error_cls, next_step):
    """A tuning command's frame → exit code. missing: what the user must still pass ("" if nothing); tune(cfg) trains
    and writes the folder → its manifest; error_cls: the command's error, printed as its message."""
    if missing:
        print(f"{name}: pass {missing}", file=sys.stderr)
        return 2
    try:
        manifest = tune(cfg)
    except error_cls as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 2
    print(f"wrote {cfg.out}/manifest.json (version {manifest['version']}, verified in onnxruntime-node); next: "
          f"{next_step}")
    return 0


def _flag_bool(text):
    """A boolean flag's value: true/false, yes/no, 1/0 (argparse's bool() would read "false" as True)."""
    value = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(text.lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r}: pass true or false")
    return value


def copy_folder(src, out, error_cls):
    """Copies the model folder src to out (a folder written there before is replaced) → out as a Path."""
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve():
        raise error_cls("--out must differ from --model (the source folder is kept as it was)")
    if out.exists():
        if not (out / "manifest.json").exists():
            raise error_cls(f"{out} exists and is not a model folder; pass a new --out")
        shutil.rmtree(out)
    shutil.copytree(src, out)
    return out


def record_run(out, manifest, cfg, run_key, source, history, extra=None):
    """Stamps the manifest (version, created, the run's config and history under training[run_key]; the old
    evaluation dropped, since it described other weights), writes it into out and verifies the folder → manifest."""
    manifest["version"] = cfg.version or manifest["version"]
    manifest["created"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest.pop("evaluation", None)
    manifest.setdefault("training", {})[run_key] = {
        "from": {"id": manifest["id"], **source},
        "config": {k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("out", "model", "max_steps")},
        "history": history, **(extra or {})}
    (Path(out) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    verify_model_folder(out, manifest)
    return manifest

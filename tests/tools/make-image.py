#!/usr/bin/env python3
"""Makes an OCI image layout or a docker-archive from directories, offline,
for the image tests and benchmarks: each --layer DIR becomes one layer, in
order (lowest first). What `docker save`, `podman save` and `skopeo copy`
write, in the shapes ringfence imports.

  make-image.py --layer ROOTFS|TAR [--layer DIR|TAR]... --format oci|docker-archive
                [--compress none|gzip|zstd] [--tar] [--name NAME]
                [--config-json '{"Cmd": [...]}'] OUT
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile


def layer_tar(directory):
    """The directory as an uncompressed tar, entries sorted, names relative."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                full = os.path.join(root, name)
                # Device nodes stay out, as from images that docker builds.
                mode = os.lstat(full).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                    continue
                t.add(full, arcname=os.path.relpath(full, directory), recursive=False)
    return buf.getvalue()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layer", action="append", required=True)
    ap.add_argument("--format", choices=["oci", "docker-archive"], default="oci")
    ap.add_argument("--compress", choices=["none", "gzip", "zstd"], default="none")
    ap.add_argument("--tar", action="store_true", help="write a tar of the layout instead of a directory")
    ap.add_argument("--name", default="test:latest")
    ap.add_argument("--config-json", default="{}", help="the config's \"config\" object")
    ap.add_argument("--layer-media-type", help="write this media type for every layer (to test refusals)")
    ap.add_argument("out")
    a = ap.parse_args()

    # A layer is a directory, or a tar made beforehand (hostile layers).
    tars = [open(d, "rb").read() if os.path.isfile(d) else layer_tar(d) for d in a.layer]
    diff_ids = [digest(t) for t in tars]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": json.loads(a.config_json),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()
    files = {}  # name in the layout -> bytes
    if a.format == "oci":
        suffix = {"none": "", "gzip": "+gzip", "zstd": "+zstd"}[a.compress]
        layers = []
        for t in tars:
            blob = compress(t, a.compress)
            files["blobs/sha256/" + digest(blob)[7:]] = blob
            layers.append({"mediaType": a.layer_media_type or "application/vnd.oci.image.layer.v1.tar" + suffix,
                           "digest": digest(blob), "size": len(blob)})
        files["blobs/sha256/" + digest(config)[7:]] = config
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": digest(config), "size": len(config)},
            "layers": layers}).encode()
        files["blobs/sha256/" + digest(manifest)[7:]] = manifest
        files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
        files["index.json"] = json.dumps({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": digest(manifest), "size": len(manifest),
                           "annotations": {"org.opencontainers.image.ref.name": a.name}}]}).encode()
    else:
        names = []
        for i, t in enumerate(tars):
            name = "%064x/layer.tar" % (i + 1)
            files[name] = compress(t, a.compress)
            names.append(name)
        files[digest(config)[7:] + ".json"] = config
        files["manifest.json"] = json.dumps([{"Config": digest(config)[7:] + ".json",
                                              "RepoTags": [a.name], "Layers": names}]).encode()

    if a.tar:
        with tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT) as t:
            for name, data in sorted(files.items()):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    else:
        if os.path.exists(a.out):
            shutil.rmtree(a.out)
        for name, data in files.items():
            path = os.path.join(a.out, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    print(digest(config))


if __name__ == "__main__":
    main()

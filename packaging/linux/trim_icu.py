"""Replace the frozen bundle's ICU data library (libicudata.so.NN, 32 MB) with one that holds
only what Qt uses (about 5 MB).

Qt Core links ICU but asks it for little: collation (QCollator, used e.g. to sort file names in
the file dialog), locale-aware case mapping and text codecs. Qt's own CLDR tables do the rest
(number and date formats, language names), so ICU's locale display data, units, currencies,
time-zone names, transliterators, break-iterator dictionaries and legacy codepage converters
are dead weight. Kept: every collation table (sorting stays right in every language), the
root/English locale data and all of ICU's core tables (normalisation, character names,
likely subtags, supplemental data).

    python packaging/linux/trim_icu.py BUNDLE/_internal/PySide6/Qt/lib/libicudata.so.73

The data is an ICU "common data" package (a header, a sorted table of contents, then the items)
stored as the symbol icudtNN_dat; the new library is assembled with binutils (as, ld), which
dpkg-dev already pulls in.
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# Item trees inside the package that Qt never opens.
UNUSED_TREES = ("brkitr", "curr", "lang", "rbnf", "region", "translit", "unit", "zone")
# A locale bundle at the top level ("de_CH.res"); "res_index" is the locale list, not a locale.
LOCALE_BUNDLE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*\.res$")
KEPT_LOCALES = re.compile(r"^(root|res_index|en(_[A-Za-z0-9]+)*)\.res$")


def is_needed(name: str) -> bool:
    """name: an item name without the package prefix, e.g. "coll/de.res"."""
    tree, _, item = name.rpartition("/")
    if tree:
        return tree not in UNUSED_TREES
    if item.endswith(".cnv"):  # codepage converters; UTF-8/16/32, Latin-1 and ASCII are built in
        return False
    return not LOCALE_BUNDLE.match(item) or bool(KEPT_LOCALES.match(item))


def read_elf_symbol(library: bytes, wanted: re.Pattern[str]) -> tuple[str, int, int]:
    """(name, file offset, size) of the first dynamic symbol whose name matches (64-bit ELF)."""
    if library[:5] != b"\x7fELF\x02" or library[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF library")
    section_offset, = struct.unpack_from("<Q", library, 0x28)
    entry_size, count = struct.unpack_from("<HH", library, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", library, section_offset + i * entry_size)
                for i in range(count)]
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strings_offset = sections[link][4]
        for start in range(offset, offset + size, symbol_size):
            name_at, _, _, section_index, value, length = struct.unpack_from("<IBBHQQ", library,
                                                                              start)
            end = library.index(b"\0", strings_offset + name_at)
            name = library[strings_offset + name_at:end].decode()
            if wanted.fullmatch(name) and section_index:
                _, _, _, address, file_offset, *_ = sections[section_index]
                return name, value - address + file_offset, length
    raise ValueError(f"no symbol matching {wanted.pattern}")


def trim_package(package: bytes) -> tuple[bytes, int, int]:
    """A new package with only the needed items: (bytes, items kept, items in the original)."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27) or package[12:16] != b"CmnD" or package[8] != 0:
        raise ValueError("not a little-endian ICU common data package")
    count, = struct.unpack_from("<I", package, header_size)
    toc = header_size  # offsets in the table of contents count from here
    entries = [struct.unpack_from("<II", package, toc + 4 + 8 * i) for i in range(count)]
    names = [package[toc + name_at:package.index(b"\0", toc + name_at)] for name_at, _ in entries]
    ends = [data_at for _, data_at in entries[1:]] + [len(package) - toc]
    items = [(name, package[toc + data_at:toc + end])
             for name, (_, data_at), end in zip(names, entries, ends, strict=True)
             if is_needed(name.decode().split("/", 1)[1])]

    names_at = 4 + 8 * len(items)
    name_offsets, name_bytes = [], b""
    for name, _ in items:
        name_offsets.append(names_at + len(name_bytes))
        name_bytes += name + b"\0"
    data_at = names_at + len(name_bytes)
    data_at += -(toc + data_at) % 16  # items start 16-byte aligned, like ICU's own packages
    table, data = [struct.pack("<I", len(items))], b""
    for name_offset, (_, blob) in zip(name_offsets, items, strict=True):
        table.append(struct.pack("<II", name_offset, data_at + len(data)))
        data += blob + bytes(-len(blob) % 16)
    body = b"".join(table) + name_bytes
    body += bytes(data_at - len(body))
    return package[:header_size] + body + data, len(items), count


def build_library(package: bytes, symbol: str, soname: str, target: Path) -> None:
    """Assemble a shared library that exports `package` as the read-only symbol `symbol`."""
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        (work_dir / "data.bin").write_bytes(package)
        (work_dir / "data.s").write_text(
            f'\t.section .rodata\n\t.balign 16\n\t.globl {symbol}\n'
            f'\t.type {symbol}, @object\n\t.size {symbol}, {len(package)}\n'
            f'{symbol}:\n\t.incbin "{work_dir / "data.bin"}"\n'
            '\t.section .note.GNU-stack,"",@progbits\n')
        subprocess.run(["as", "-o", str(work_dir / "data.o"), str(work_dir / "data.s")],
                       check=True)
        subprocess.run(["ld", "-shared", "-soname", soname, "-z", "noexecstack",
                        "-o", str(work_dir / soname), str(work_dir / "data.o")], check=True)
        shutil.copyfile(work_dir / soname, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path, help="the bundle's libicudata.so.NN (replaced)")
    args = parser.parse_args(argv)
    for tool in ("as", "ld"):
        if shutil.which(tool) is None:
            print(f"trim_icu: '{tool}' is missing: apt-get install binutils", file=sys.stderr)
            return 1
    original = args.library.read_bytes()
    symbol, offset, size = read_elf_symbol(original, re.compile(r"icudt\d+_dat"))
    package, kept, total = trim_package(original[offset:offset + size])
    build_library(package, symbol, args.library.name, args.library)
    print(f"trim_icu: {args.library.name} {len(original) / 1e6:.1f} MB -> "
          f"{args.library.stat().st_size / 1e6:.1f} MB ({kept} of {total} ICU data items kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Build the Linux installers: dist/digit-lens/ (the PyInstaller folder bundle), a .tar.gz to
# unpack anywhere (with a .desktop entry and icons) and a .deb.
# Usage: packaging/build_linux.sh [--small]   (--small: the release build, 51 MB smaller)
. "$(dirname "$0")/venv.sh" "package"
cd "$ROOT"
version="$("$PYTHON" -c 'import desktop; print(desktop.__version__)')"
bundle="dist/digit-lens"
rm -rf "$bundle" build/linux
SECONDS=0
# A release bundle (--small) is 51 MB smaller:
# - NumPy without BLAS: the wheel's OpenBLAS and Fortran runtime are 28 MB of the bundle, and the
#   app's only matrix products are tiny (a 12-megapixel picture to gray 86 ms instead of 75, a
#   saliency map's sums 0.2 ms). And without its extra kernels for newer CPUs (AVX2, AVX-512;
#   it keeps x86-64-v2's SSE4.2): 5 MB less, and only large sorts, which the app never does,
#   are slower (a million numbers 77 ms instead of 5; preprocessing and inference alike within
#   noise). Built once per NumPy version from source (5 to 10 minutes on 2 cores; needs gcc).
# - ONNX Runtime RELEASE_ONNXRUNTIME: its library is 17.6 MB against 36.6 MB for 1.32, and it
#   runs every shipped model (IR version 10, opset 20; 1.18 is the oldest that reads them). The
#   app's tests pass with it (README, "Installers").
# Both are installed into build/ and put ahead of the venv's own by the spec. Off by default, so
# that the test suite's build stays quick and bundles what the tests ran.
RELEASE_ONNXRUNTIME=1.20.1
if [ "${1:-}" = "--small" ]; then
    numpy_version="$("$PYTHON" -c 'from importlib.metadata import version; print(version("numpy"))')"
    export DIGIT_LENS_NUMPY="$ROOT/build/numpy-release/$numpy_version"
    if [ ! -e "$DIGIT_LENS_NUMPY/complete" ]; then
        echo "== NumPy $numpy_version without BLAS or CPU dispatch: $DIGIT_LENS_NUMPY (first build only)"
        rm -rf "$DIGIT_LENS_NUMPY"
        # --no-cache-dir: pip's wheel cache ignores the build options, so a later source
        # install of this version elsewhere would get this build.
        "$PYTHON" -m pip wheel --disable-pip-version-check --no-cache-dir --quiet --no-deps \
            --no-binary numpy "numpy==$numpy_version" --wheel-dir "$DIGIT_LENS_NUMPY/wheel" \
            -Csetup-args=-Dblas=none -Csetup-args=-Dlapack=none -Csetup-args=-Dallow-noblas=true \
            -Csetup-args=-Dcpu-dispatch=none
        "$PYTHON" -m pip install --disable-pip-version-check --quiet --no-deps \
            --target "$DIGIT_LENS_NUMPY/site" "$DIGIT_LENS_NUMPY"/wheel/numpy-*.whl
        touch "$DIGIT_LENS_NUMPY/complete"
    fi
    export DIGIT_LENS_ONNXRUNTIME="$ROOT/build/onnxruntime/$RELEASE_ONNXRUNTIME"
    if [ ! -e "$DIGIT_LENS_ONNXRUNTIME/complete" ]; then
        echo "== ONNX Runtime $RELEASE_ONNXRUNTIME: $DIGIT_LENS_ONNXRUNTIME (first build only)"
        rm -rf "$DIGIT_LENS_ONNXRUNTIME"
        "$PYTHON" -m pip install --disable-pip-version-check --quiet --no-deps \
            --target "$DIGIT_LENS_ONNXRUNTIME/site" "onnxruntime==$RELEASE_ONNXRUNTIME"
        touch "$DIGIT_LENS_ONNXRUNTIME/complete"
    fi
else
    unset DIGIT_LENS_NUMPY DIGIT_LENS_ONNXRUNTIME
fi
echo "== PyInstaller: $bundle"
"$PYTHON" -m PyInstaller --noconfirm --log-level ERROR --distpath dist \
    --workpath build/pyinstaller packaging/digit_lens.spec 2>&1 | grep -v "is ignored" || true
[ -x "$bundle/digit-lens" ] || { echo "PyInstaller did not produce $bundle" >&2; exit 1; }
# Drop debug symbols (libpython alone carries 18 MB), but not from wheels' auditwheel-patched
# libraries (*.libs/), which stripping corrupts.
find "$bundle" -name "*.so*" -type f -not -path "*.libs/*" -exec strip --strip-unneeded {} + \
    2>/dev/null || true
# Qt's ICU data library is 32 MB, of which Qt uses about 5 (see the script).
for icu in "$bundle"/_internal/PySide6/Qt/lib/libicudata.so.*; do
    if [ -e "$icu" ]; then "$PYTHON" packaging/linux/trim_icu.py "$icu"; fi
done
echo "== self-test of the bundle"
env -i PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen "$bundle/digit-lens" --self-test

# A relocatable prefix: unpack into ~/.local (or /usr/local) and it is installed.
stage="build/linux/digit-lens-$version"
mkdir -p "$stage/lib" "$stage/bin" "$stage/share/applications"
cp -a "$bundle" "$stage/lib/digit-lens"
ln -s ../lib/digit-lens/digit-lens "$stage/bin/digit-lens"
cp packaging/linux/digit-lens.desktop "$stage/share/applications/"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$stage/share/icons/hicolor/${size}x${size}/apps"
    cp "resources/icons/digit-lens-$size.png" \
        "$stage/share/icons/hicolor/${size}x${size}/apps/digit-lens.png"
done
mkdir -p "$stage/share/icons/hicolor/scalable/apps"
cp resources/icons/digit-lens.svg "$stage/share/icons/hicolor/scalable/apps/"
tarball="dist/digit-lens-$version-linux-x86_64.tar.gz"
tar -C build/linux -czf "$tarball" "digit-lens-$version"
echo "== $tarball"

# The .deb: the bundle in /opt, a command in /usr/bin, menu entry and icons in /usr/share.
deb_root="build/linux/deb"
mkdir -p "$deb_root/DEBIAN" "$deb_root/opt" "$deb_root/usr/bin"
cp -a "$bundle" "$deb_root/opt/digit-lens"
ln -s /opt/digit-lens/digit-lens "$deb_root/usr/bin/digit-lens"
cp -a "$stage/share" "$deb_root/usr/share"
installed_kb="$(du -sk "$deb_root" | cut -f1)"
# The bundle carries its libraries except those every Linux system provides and PyInstaller
# deliberately leaves out (C library, X connection, OpenGL/EGL, Wayland), and D-Bus and the C++
# runtime (see the spec). The C library must be at least as new as the build machine's (the
# copied system libraries are linked against it).
glibc="$(find "$bundle" -type f \( -name "*.so*" -o -name digit-lens \) -exec objdump -T {} + \
    2>/dev/null | grep -o "GLIBC_[0-9.]*" | sed "s/GLIBC_//" | sort -uV | tail -n 1 || true)"
cat > "$deb_root/DEBIAN/control" <<CONTROL
Package: digit-lens
Version: $version
Section: education
Priority: optional
Architecture: amd64
Depends: libc6 (>= ${glibc:-2.28}), libstdc++6 (>= 12), libgcc-s1, libxcb1, libgl1, libegl1, libpcre2-8-0, libwayland-client0, libdbus-1-3
Recommends: fonts-dejavu-core | fonts-liberation2 | fonts-freefont-ttf
Installed-Size: $installed_kb
Maintainer: Digit Lens developers <team@digit-lens.invalid>
Description: draw a digit and see what a neural network thinks
 Digit Lens recognises hand-drawn digits (MNIST) and pictures of clothing
 (Fashion-MNIST) with dense and convolutional networks, shows every class's
 probability and how each model was trained: curves, confusion matrix and
 per-class precision, recall and F1.
CONTROL
deb="dist/digit-lens_${version}_amd64.deb"
# A release build compresses harder (xz -9e: a minute more, a few MB less).
compression=(-Zxz)
if [ "${1:-}" = "--small" ]; then compression=(-Zxz -z9 -Sextreme); fi
dpkg-deb --root-owner-group "${compression[@]}" --build "$deb_root" "$deb" >/dev/null
echo "== $deb"
du -sh "$bundle" "$tarball" "$deb"
# tests/test_packaging.py reuses this build while no source file is newer than this stamp.
touch build/linux/complete
echo "== built in $SECONDS s"

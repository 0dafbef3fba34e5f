#!/usr/bin/env bash
# Build the macOS disk image: PyInstaller "Digit Lens.app", self-test, then a .dmg with the app
# and a link to /Applications. Usage: packaging/macos/build_macos.sh
. "$(dirname "$0")/../venv.sh" "package"
cd "$ROOT"
version="$("$PYTHON" -c 'import desktop; print(desktop.__version__)')"
rm -rf "dist/Digit Lens.app" dist/digit-lens build/macos
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist \
    --workpath build/pyinstaller packaging/digit_lens.spec
app="dist/Digit Lens.app"
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/digit-lens" --self-test

mkdir -p build/macos/dmg
cp -R "$app" build/macos/dmg/
ln -s /Applications build/macos/dmg/Applications
dmg="dist/digit-lens-$version-macos.dmg"
rm -f "$dmg"
hdiutil create -volname "Digit Lens" -srcfolder build/macos/dmg -ov -format UDZO "$dmg"
du -sh "$app" "$dmg"

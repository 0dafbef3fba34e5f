# Build the Windows installer: PyInstaller folder bundle, self-test, then Inno Setup 6.
# Usage (PowerShell, from anywhere): packaging\windows\build_windows.ps1
# Needs Python 3.10+ on the PATH and Inno Setup 6 (choco install innosetup).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed ($LASTEXITCODE)" } }

if (-not (Test-Path .venv)) { python -m venv .venv; Check "python -m venv" }
.venv\Scripts\python -m pip install --quiet -e ".[package]"; Check "pip install"
.venv\Scripts\python -m PyInstaller --noconfirm --log-level WARN --distpath dist `
    --workpath build\pyinstaller packaging\digit_lens.spec
Check "PyInstaller"

# The windowed build has no console, so the self-test speaks through its exit code.
$env:QT_QPA_PLATFORM = "offscreen"
$check = Start-Process dist\digit-lens\digit-lens.exe -ArgumentList "--self-test" -Wait -PassThru
if ($check.ExitCode -ne 0) { throw "the frozen app's self-test failed ($($check.ExitCode))" }
Remove-Item Env:\QT_QPA_PLATFORM

$env:DIGIT_LENS_VERSION = (.venv\Scripts\python -c "import desktop; print(desktop.__version__)")
$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
& $iscc packaging\windows\digit-lens.iss
Check "Inno Setup"
Get-ChildItem dist\*.exe | Format-Table Name, Length

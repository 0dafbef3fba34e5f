; Inno Setup script: turns the PyInstaller folder bundle (dist\digit-lens) into an installer.
; Built by packaging\windows\build_windows.ps1, which sets DIGIT_LENS_VERSION.
#define AppVersion GetEnv("DIGIT_LENS_VERSION")
#if AppVersion == ""
  #error Set DIGIT_LENS_VERSION (build_windows.ps1 does)
#endif

[Setup]
AppId={{6F1C2B7E-5D44-4C1B-9E0A-7A1D3C9B2E51}
AppName=Digit Lens
AppVersion={#AppVersion}
AppPublisher=Digit Lens developers
DefaultDirName={autopf}\Digit Lens
DefaultGroupName=Digit Lens
DisableProgramGroupPage=yes
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=digit-lens-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\digit-lens.ico
UninstallDisplayIcon={app}\digit-lens.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Files]
Source: "..\..\dist\digit-lens\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Digit Lens"; Filename: "{app}\digit-lens.exe"
Name: "{autodesktop}\Digit Lens"; Filename: "{app}\digit-lens.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\digit-lens.exe"; Description: "Start Digit Lens"; Flags: nowait postinstall skipifsilent

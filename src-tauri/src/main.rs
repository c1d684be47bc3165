// No console window on Windows release builds; the logs are in ~/.kubilitics/ui.log.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kubilitics_desktop::run();
}

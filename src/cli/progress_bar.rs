//! Draws engine progress events as an indicatif bar on stderr (hidden when stderr is not a
//! terminal).

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::{Progress, Unit};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Bar { bar }
    }

    pub fn update(&self, p: &Progress) {
        if self.bar.length() != Some(p.total) {
            self.bar.set_length(p.total);
            self.bar.set_message(p.task.clone());
            if p.unit == Unit::Files {
                self.bar
                    .set_style(ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} files").expect("valid template"));
            }
        }
        if let Some(d) = &p.detail {
            self.bar.set_message(format!("{} ({d})", p.task));
        }
        self.bar.set_position(p.done);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

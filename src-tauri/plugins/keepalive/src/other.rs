//! Every platform but Android: no foreground service, no battery reading.
//! Each call says so ([`Error::Unsupported`]); nothing pretends to work.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use tauri::plugin::PluginApi;
use tauri::{AppHandle, Runtime};

use crate::models::Notice;
use crate::{Error, Result};

pub fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    _api: PluginApi<R, C>,
) -> Keepalive<R> {
    Keepalive(PhantomData)
}

pub struct Keepalive<R: Runtime>(PhantomData<fn() -> R>);

impl<R: Runtime> Keepalive<R> {
    pub fn start(&self, _notice: Notice) -> Result<()> {
        Err(Error::Unsupported)
    }

    pub fn stop(&self) -> Result<()> {
        Err(Error::Unsupported)
    }

    pub fn battery(&self) -> Result<Option<u8>> {
        Err(Error::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_android_every_call_says_unsupported() {
        let k: Keepalive<tauri::Wry> = Keepalive(PhantomData);
        let notice = Notice {
            title: "Auxilio: alerta activa".into(),
            text: String::new(),
        };
        assert!(matches!(k.start(notice), Err(Error::Unsupported)));
        assert!(matches!(k.stop(), Err(Error::Unsupported)));
        assert!(matches!(k.battery(), Err(Error::Unsupported)));
    }
}

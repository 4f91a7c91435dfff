//! Every platform but Android: the app cannot send an SMS by itself (iOS
//! only lets the person send one from the Messages sheet). Each call says so
//! ([`Error::Unsupported`]); nothing pretends to have sent anything.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use tauri::plugin::{PermissionState, PluginApi};
use tauri::{AppHandle, Runtime};

use crate::models::SmsMessage;
use crate::{Error, Result};

pub fn init<R: Runtime, C: DeserializeOwned>(_app: &AppHandle<R>, _api: PluginApi<R, C>) -> Sms<R> {
    Sms(PhantomData)
}

pub struct Sms<R: Runtime>(PhantomData<fn() -> R>);

impl<R: Runtime> Sms<R> {
    pub fn send(&self, _message: &SmsMessage) -> Result<()> {
        Err(Error::Unsupported)
    }

    pub fn permission_state(&self) -> Result<PermissionState> {
        Err(Error::Unsupported)
    }

    pub fn request_permission(&self) -> Result<PermissionState> {
        Err(Error::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_android_every_call_says_unsupported() {
        let s: Sms<tauri::Wry> = Sms(PhantomData);
        let m = SmsMessage::new("+51944123456", "AUX1 test").expect("valid");
        assert!(matches!(s.send(&m), Err(Error::Unsupported)));
        assert!(matches!(s.permission_state(), Err(Error::Unsupported)));
        assert!(matches!(s.request_permission(), Err(Error::Unsupported)));
    }
}

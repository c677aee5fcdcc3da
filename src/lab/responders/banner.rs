//! Banner ports: bytes a service sends as soon as a client connects (telnet login prompts, SSH
//! version strings, printer and vendor SDK greetings). Pure.

use crate::lab::persona::BannerService;

/// The bytes to send on connect.
pub fn greeting(service: &BannerService) -> &[u8] {
    service.banner.as_bytes()
}

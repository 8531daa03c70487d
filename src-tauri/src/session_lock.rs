//! Locks when the desktop says the screen locked or the machine is going to sleep: the
//! ScreenSaver interfaces' `ActiveChanged(true)` on the session bus (freedesktop, GNOME, MATE,
//! Cinnamon all send it), logind's `PrepareForSleep(true)` and a session's `Lock` on the system
//! bus. A bus that is not there is skipped; the auto-lock timer still applies.

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::{MatchRule, Result};

type OnLock = std::sync::Arc<dyn Fn(&'static str) + Send + Sync>;

/// Starts one thread per bus. `session_address` replaces the user's session bus (tests).
pub fn watch(session_address: Option<String>, on_lock: OnLock) {
    let session = std::sync::Arc::clone(&on_lock);
    spawn("keyward-screen-lock", move || {
        let conn = match &session_address {
            Some(address) => {
                zbus::blocking::connection::Builder::address(address.as_str())?.build()?
            }
            None => Connection::session()?,
        };
        follow(&conn, signal("ActiveChanged", None)?, |active| {
            if active == Some(true) {
                session("the screen locked");
            }
        })
    });
    spawn("keyward-sleep-lock", move || {
        let conn = Connection::system()?;
        let sleep = signal("PrepareForSleep", Some("org.freedesktop.login1.Manager"))?;
        let lock = signal("Lock", Some("org.freedesktop.login1.Session"))?;
        let lock_conn = conn.clone();
        let on_session_lock = std::sync::Arc::clone(&on_lock);
        spawn("keyward-session-lock", move || {
            follow(&lock_conn, lock, |_| on_session_lock("the session locked"))
        });
        follow(&conn, sleep, |starting| {
            if starting == Some(true) {
                on_lock("the machine is going to sleep");
            }
        })
    });
}

fn signal(member: &'static str, interface: Option<&'static str>) -> Result<MatchRule<'static>> {
    let rule = MatchRule::builder().msg_type(Type::Signal).member(member)?;
    Ok(match interface {
        Some(interface) => rule.interface(interface)?.build(),
        None => rule.build(),
    })
}

/// Calls `on` with each matching signal's boolean argument (`None` when it has none), until
/// the bus goes away.
fn follow(conn: &Connection, rule: MatchRule<'static>, on: impl Fn(Option<bool>)) -> Result<()> {
    for message in MessageIterator::for_match_rule(rule, conn, Some(16))? {
        let Ok(message) = message else { continue };
        on(message.body().deserialize::<bool>().ok());
    }
    Ok(())
}

fn spawn(name: &str, f: impl FnOnce() -> Result<()> + Send + 'static) {
    let name_for_log = name.to_owned();
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if let Err(err) = f() {
                tracing::info!("{name_for_log}: not following the desktop's lock signals: {err}");
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("could not follow the desktop's lock signals: {err}");
    }
}

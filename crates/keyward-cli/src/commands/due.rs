//! `keyward due [--json]`: secrets to rotate, most urgent first: exposed (a finding saw the value
//! since its last rotation: rotate now), expired, overdue, due within 14 days. Each says why,
//! since when, where to rotate it and where it is used. `keyward due --snooze NAME 7d` hides an
//! overdue or due one for that long (never an exposed or expired one).

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::EntryChanges;
use keyward_core::names::validate_name;
use keyward_core::policy::RotateEvery;
use keyward_core::rotation::{Clock, SystemClock, due};
use keyward_core::time::Stamp;
use keyward_core::usage::where_used;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array
    #[arg(long)]
    json: bool,
    /// Hide NAME from the due list for a while: 7d, 2w
    #[arg(long, num_args = 2, value_names = ["NAME", "FOR"])]
    snooze: Option<Vec<String>>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let now = SystemClock.now();
    if let Some([name, period]) = args.snooze.as_deref() {
        validate_name(name)?;
        let period: RotateEvery = period.parse()?;
        let until = Stamp::from_unix(now.unix() + i64::from(period.days()) * 86_400);
        store.update(
            name,
            EntryChanges {
                snoozed_until: Some(Some(until)),
                ..EntryChanges::default()
            },
        )?;
        output::note(&format!("{name} is snoozed until {}", until.date()));
        return Ok(ExitCode::SUCCESS);
    }
    let entries = store.list()?;
    let findings = store.findings(false)?;
    let log = store.audit_log().unwrap_or_default();
    let projects = store.watch_config().map(|c| c.projects).unwrap_or_default();
    let mut list = due(&entries, &findings, now);
    // Team secrets a departed member could read: rotate now, like an exposed one.
    if !keyward_core::team::list(&ctx.home)?.is_empty()
        && let Some(me) =
            keyward_core::team::identity::load(store.as_mut(), &keyward_core::Access::new("due"))?
    {
        let (team_due, unreadable) = keyward_core::team::rotations_due(&ctx.home, &me)?;
        for (team, err) in unreadable {
            output::warn(&format!("team {team} could not be read: {err}"));
        }
        list.splice(0..0, team_due);
    }
    for item in &mut list {
        let used = where_used(&item.name, &projects, &[], &log);
        item.used_in = used.projects.into_iter().map(|p| p.folder).collect();
        item.used_in.dedup();
    }
    if args.json {
        output::stdout_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        output::note("nothing is due");
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for d in &list {
        let why = match (&d.exposed_in, d.rotate_every) {
            (None, _) if d.name.starts_with(keyward_core::team::PREFIX) => format!(
                "a member who could read it left the team (last set {}): rotate it now",
                d.since.date()
            ),
            (Some(e), _) => format!(
                "seen in {}:{} ({}) since {}: rotate it now",
                e.path,
                e.line,
                e.severity.name(),
                d.since.date()
            ),
            (None, Some(every))
                if d.expires.is_none()
                    || d.reason != keyward_core::rotation::DueReason::Expired =>
            {
                format!("since {} (every {every})", d.since.date())
            }
            _ => format!("since {}", d.since.date()),
        };
        text.push_str(&format!("{:<9} {}  {why}\n", d.reason.name(), d.name));
        if let Some(page) = &d.rotate_at {
            text.push_str(&format!("          rotate at {page}\n"));
        }
        if !d.used_in.is_empty() {
            text.push_str(&format!("          used in {}\n", d.used_in.join(", ")));
        }
    }
    output::stdout_text(&text)?;
    Ok(ExitCode::SUCCESS)
}

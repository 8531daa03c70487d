//! Passwords given to command-line programs in flags of their own.

use super::*;

/// Command lines that take a password in a flag of their own: `mysql -pX` (glued), `sshpass
/// -p X`, `redis-cli -a X`, `curl -u user:X`. Shell history and scripts are full of them.
pub(super) fn command_passwords(data: &[u8], fixture: bool) -> Vec<Assignment> {
    // (program, flag, value glued to the flag, value after `user:`)
    const COMMANDS: &[(&[u8], &str, bool, bool)] = &[
        (b"mysql", "-p", true, false),
        (b"mariadb", "-p", true, false),
        (b"sshpass", "-p", false, false),
        (b"redis-cli", "-a", false, false),
        (b"curl", "-u", false, true),
        (b"curl", "--user", false, true),
    ];
    let mut out: Vec<Assignment> = Vec::new();
    for &(program, flag, glued, after_user) in COMMANDS {
        for at in memchr::memmem::find_iter(data, program) {
            let line_end = memchr::memchr(b'\n', data.get(at..).unwrap_or_default())
                .map_or(data.len(), |i| at + i);
            let mut cursor = at + program.len();
            while cursor < line_end {
                let rest = data.get(cursor..line_end).unwrap_or_default();
                let Some(ws) = rest.iter().position(|b| *b == b' ' || *b == b'\t') else {
                    break;
                };
                let token_start = skip_blanks(data, cursor + ws);
                let token_end = data
                    .get(token_start..line_end)
                    .unwrap_or_default()
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(line_end, |i| token_start + i);
                cursor = token_end;
                let Some(token) = data.get(token_start..token_end) else {
                    break;
                };
                let value_start = if token == flag.as_bytes() && !glued {
                    let next = skip_blanks(data, token_end);
                    cursor = data
                        .get(next..line_end)
                        .unwrap_or_default()
                        .iter()
                        .position(|b| b.is_ascii_whitespace())
                        .map_or(line_end, |i| next + i);
                    next
                } else if glued && token.len() > flag.len() && token.starts_with(flag.as_bytes()) {
                    token_start + flag.len()
                } else {
                    continue;
                };
                let (mut start, mut end) = (value_start, cursor.min(line_end));
                if let (Some(&q), Some(&last)) = (
                    data.get(start),
                    end.checked_sub(1).and_then(|e| data.get(e)),
                ) && (q == b'\'' || q == b'"')
                    && last == q
                    && end > start + 1
                {
                    start += 1;
                    end -= 1;
                }
                if after_user {
                    let Some(colon) = data.get(start..end).and_then(|v| memchr::memchr(b':', v))
                    else {
                        continue;
                    };
                    start += colon + 1;
                }
                let Some(value) = data.get(start..end) else {
                    continue;
                };
                let name = format!("{} {flag}", String::from_utf8_lossy(program));
                if value.len() >= 4
                    && plausible(Class::Password, name.as_bytes(), value)
                    && !out.iter().any(|a| a.start == start)
                {
                    out.push(Assignment {
                        class: Class::Password,
                        name,
                        start,
                        end,
                        fixture,
                    });
                }
            }
        }
    }
    out
}

"""A stand-in for the desktop's notification server on the test's session bus: it records each
notification (one JSON line per Notify call in the file given as argv[1]) and, when told to
through its own Click method, emits ActionInvoked(id, "default") as a desktop does when the
user clicks a notification."""

import asyncio
import json
import sys

from dbus_next import Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method, signal

LOG = sys.argv[1]


class Notifications(ServiceInterface):
    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.next_id = 0

    @method()
    def GetCapabilities(self) -> "as":
        return ["actions", "body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["keyward-test", "keyward", "1", "1.2"]

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",
               actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":
        self.next_id += 1
        with open(LOG, "a") as log:
            log.write(json.dumps({"id": self.next_id, "app": app_name, "summary": summary,
                                  "body": body, "actions": actions}) + "\n")
        return self.next_id

    @method()
    def CloseNotification(self, id: "u"):
        self.NotificationClosed(id, 3)

    @signal()
    def ActionInvoked(self, id, action) -> "us":
        return [id, action]

    @signal()
    def NotificationClosed(self, id, reason) -> "uu":
        return [id, reason]


class Clicker(ServiceInterface):
    def __init__(self, notifications):
        super().__init__("dev.keyward.Test")
        self.notifications = notifications

    @method()
    def Click(self, id: "u"):
        self.notifications.ActionInvoked(id, "default")


async def main():
    bus = await MessageBus().connect()
    notifications = Notifications()
    bus.export("/org/freedesktop/Notifications", notifications)
    bus.export("/org/freedesktop/Notifications", Clicker(notifications))
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await asyncio.get_running_loop().create_future()


asyncio.run(main())

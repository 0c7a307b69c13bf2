import { assert } from "../deps.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import { NotFoundError, StateError } from "../../storage/errors.ts";
import {
  consumeTelegramLinkCode,
  createTelegramLinkCode,
  generateLinkCode,
  getTelegramUser,
  listTelegramUsersOf,
  pruneTelegramLinkCodes,
  unlinkTelegramUser,
  upsertTelegramUser,
} from "../../storage/telegram_users.ts";
import { deleteUser } from "../../storage/users.ts";
import {
  at,
  dbStep,
  makeUser,
  openTestDatabase,
  SYSTEM_AT_T0,
  T0,
} from "./_db.ts";

const account = {
  telegramUserId: 987654321,
  chatId: 987654321,
  username: "ada_tg",
};

Deno.test("link codes are 8 unambiguous characters", () => {
  for (let i = 0; i < 100; i++) {
    assert.match(generateLinkCode(), /^[A-HJKMNP-Z2-9]{8}$/);
  }
});

Deno.test("telegram users repository", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "a link code links the Telegram account once, in one audited transaction",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      await upsertTelegramUser(db, account);
      assert.equal(
        (await getTelegramUser(db, account.telegramUserId))?.userId,
        null,
      );
      const { code, expiresAt } = await createTelegramLinkCode(db, user.id, {
        actorUserId: user.id,
        now: T0,
      });
      assert.equal(expiresAt.getTime(), at(10 * 60_000).getTime());
      const linked = await consumeTelegramLinkCode(
        db,
        ` ${code.toLowerCase()} `,
        account,
        at(1000),
      );
      assert.equal(linked.userId, user.id);
      assert.equal(linked.linkedAt?.getTime(), at(1000).getTime());
      assert.equal(linked.username, "ada_tg");
      await assert.rejects(
        consumeTelegramLinkCode(
          db,
          code,
          { ...account, telegramUserId: 1 },
          at(2000),
        ),
        StateError,
      );
      assert.equal(await getTelegramUser(db, 1), undefined);
      assert.deepEqual(
        (await listTelegramUsersOf(db, user.id)).map((u) => u.telegramUserId),
        [account.telegramUserId],
      );
      assert.deepEqual((await listAuditLogs(db)).map((e) => e.action), [
        "telegram.link",
        "telegram.link_code",
        "user.create",
      ]);
      // /start again keeps the link and updates the chat.
      const again = await upsertTelegramUser(db, {
        ...account,
        chatId: 42,
        username: null,
      });
      assert.equal(again.userId, user.id);
      assert.equal(again.chatId, 42);
    },
  );

  await dbStep(
    t,
    tdb,
    "expired and unknown codes are refused and link nothing",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { code } = await createTelegramLinkCode(
        db,
        user.id,
        SYSTEM_AT_T0,
        1000,
      );
      await assert.rejects(
        consumeTelegramLinkCode(db, code, account, at(1000)),
        StateError,
      );
      await assert.rejects(
        consumeTelegramLinkCode(db, "ZZZZZZZZ", account, at(1)),
        StateError,
      );
      assert.equal(
        await getTelegramUser(db, account.telegramUserId),
        undefined,
      );
      assert.equal(await pruneTelegramLinkCodes(db, at(1000)), 1);
    },
  );

  await dbStep(
    t,
    tdb,
    "concurrent uses of one code: exactly one links",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { code } = await createTelegramLinkCode(db, user.id, SYSTEM_AT_T0);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          consumeTelegramLinkCode(db, code, {
            telegramUserId: 100 + i,
            chatId: 100 + i,
          }, at(1))),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      assert.equal((await listTelegramUsersOf(db, user.id)).length, 1);
    },
  );

  await dbStep(
    t,
    tdb,
    "unlinking and deleting the user detach the Telegram account",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { code } = await createTelegramLinkCode(db, user.id, SYSTEM_AT_T0);
      await consumeTelegramLinkCode(db, code, account, at(1));
      await unlinkTelegramUser(db, account.telegramUserId, {
        actorUserId: user.id,
      });
      assert.equal(
        (await getTelegramUser(db, account.telegramUserId))?.userId,
        null,
      );
      await assert.rejects(
        unlinkTelegramUser(db, account.telegramUserId, SYSTEM_AT_T0),
        NotFoundError,
      );
      const { code: code2 } = await createTelegramLinkCode(
        db,
        user.id,
        SYSTEM_AT_T0,
      );
      await consumeTelegramLinkCode(db, code2, account, at(2));
      await deleteUser(db, user.id, SYSTEM_AT_T0);
      const orphan = await getTelegramUser(db, account.telegramUserId);
      assert.equal(orphan?.userId, null);
      assert.equal(orphan?.chatId, account.chatId);
    },
  );
});

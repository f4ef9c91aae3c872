"""The steps an item goes through after intake: 分办, 承办, 审核, 督办, reminders and notices."""

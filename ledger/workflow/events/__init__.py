"""舆情事件: configuration, the steps and their clock, reads for pages and boards, proposals from items, reminders."""

"""Pages of the request types beyond plain messages: 依申请公开, 建议提案, 舆情事件, and manual entry."""

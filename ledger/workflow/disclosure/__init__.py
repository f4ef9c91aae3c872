"""依申请公开 (政府信息公开条例 2019): the catalogue of reply types, the steps, consultations, notices
and the annual table; and the analyst's decisions on 依申请→主动公开 candidates."""

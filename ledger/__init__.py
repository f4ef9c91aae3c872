"""The 台账 domain: models, deadlines and calendar, workflow, intake, queries. No Flask, no Scrapy."""

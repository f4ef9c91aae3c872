"""人大建议/政协提案: registration, the handling steps, the 主办/协办 clocks and checks, the publishable summary."""

"""After the show: the plan against what happened (`review`), and plan against plan (`diff`).

Learning the room's demand from many past shows is lqplan/learning/.
"""

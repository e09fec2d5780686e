"""Page furniture: the text a portal (or a mirror of it) prints around a report.

Navigation bars, breadcrumbs (首页 > 政务公开 > …), site banners and tool bars (登录 注册 / 无障碍 /
字号 / 打印 / 分享 / 浏览次数), footers (主办单位 / 版权所有 / ICP备 / 网站标识码) and the advertising
mirror sites inject (casino names) are never a report's title, agency or date. The HTML reader drops
the elements that hold them (by tag and class name) from the page text; what a text export kept is
recognised line by line here.
"""
from __future__ import annotations

import re
from functools import lru_cache

# A line that is page furniture, whatever else it holds (short lines only: a prose sentence that
# mentions 登录 or 打印 is not furniture).
_FURNITURE_LINE = re.compile(
    r"当前位置|所在位置|您的位置|现在的?位置|当前的位置|位置[:：]|首页\s*[>›»＞/\\|]|[>›»＞]\s*\S{1,16}\s*[>›»＞]"
    r"|欢迎(?:您|访问|来到|光临)|您好[,，!！]|登录|注册|无障碍|关怀版|长者模式|适老|繁体版?|简体版?|English"
    r"|字号|字体[:：【]|【\s*[大中小]|打印|关闭(?:窗口|本页)?\s*$|分享(?:到)?|收藏|纠错"
    r"|浏览(?:次数|量|人次)?\s*[:：]|点击(?:数|量|率|次数)?\s*[:：]|访问量|阅读(?:数|量|次数)\s*[:：]"
    r"|扫一扫|二维码|返回顶部|上一篇|下一篇|相关(?:文章|链接|信息|阅读|新闻|稿件|附件)|推荐阅读"
    r"|主办(?:单位)?\s*[:：]|承办(?:单位)?\s*[:：]|技术支持|版权所有|ICP|备案号|网站标识码|公网安备|网站地图|联系我们",
    re.I)
FURNITURE_MAX = 100  # a line longer than this is prose, never furniture

# Names mirror (spam) sites inject into copied pages: gambling and lottery brands and words.
_SPAM = re.compile(
    r"体育(?:平台|官网|app|娱乐|在线|投注)|^\S{0,6}体育$|娱乐(?:城|平台|官网|场)|棋牌|彩票|博彩|赌场|赌博|真人(?:视讯|娱乐)"
    r"|百家乐|投注|下注|开户|注册送|威尼斯人|葡京|金沙|永利|皇冠|明升|亚博|必威|乐鱼|开云|bet365|\bbet\b",
    re.I)


def is_spam(text: str) -> bool:
    """Text a mirror site injected (casino and lottery advertising)."""
    return bool(_SPAM.search(text.strip()))


def is_furniture_line(line: str) -> bool:
    """True for a line of navigation, breadcrumb, banner, tool bar, footer or injected advertising."""
    s = line.strip()
    if not s or len(s) > FURNITURE_MAX:
        return False
    return bool(_FURNITURE_LINE.search(s)) or is_spam(s)


# Class / id words of page furniture (matched inside each class or id token): navigation, menus,
# breadcrumbs, positions, side bars, related lists, footers, copyright blocks, share and tool bars.
_FURNITURE_NAME = re.compile(
    r"nav|menu|crumb|bread|position|location|dqwz|curpos|sidebar|side-?bar|aside|related|xgwz|xglj|xgxx"
    r"|friend-?link|yqlj|footer|copyright|share|toolbar|tool-?bar|login|banner|skip|search-?box|fontsize"
    r"|^foot$|^foot[-_]|[-_]foot$|^bottom$|^bottom[-_]|^side$|^side[-_]|[-_]side$|^left-?(?:nav|menu|list)|^top-?(?:nav|bar)$",
    re.I)
FURNITURE_TAGS = frozenset({"nav", "aside", "footer"})


@lru_cache(maxsize=4096)  # the same class names recur on every element of a page
def is_furniture_name(class_or_id: str) -> bool:
    """True when a class or id attribute names page furniture (`main-nav`, `breadcrumb`, `footer`…)."""
    return any(_FURNITURE_NAME.search(tok) for tok in class_or_id.split())

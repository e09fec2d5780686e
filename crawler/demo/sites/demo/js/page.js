// TRS WCM style pager: writes the page links of a static list
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  var s = "";
  if (nCurrIndex == 0) { s += "<span>首页</span> "; } else {
    s += "<a href=\"" + _sPageName + "." + _sPageExt + "\">首页</a> ";
    var prev = nCurrIndex - 1;
    s += "<a href=\"" + (prev == 0 ? _sPageName : _sPageName + "_" + prev) + "." + _sPageExt + "\">上一页</a> ";
  }
  if (nCurrIndex + 1 < _nPageCount) {
    s += "<a href=\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\">下一页</a> ";
    s += "<a href=\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\">尾页</a>";
  }
  s += " 共" + _nPageCount + "页";
  document.write(s);
}

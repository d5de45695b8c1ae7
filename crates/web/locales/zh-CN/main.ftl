app-name = 民声
app-tagline = 社会治理事项办理平台
skip-to-content = 跳到正文

nav-workbench = 工作台
nav-api = 接口文档
nav-password = 修改密码
nav-logout = 退出登录
nav-language = English

login-title = 登录
login-username = 用户名
login-password = 密码
login-submit = 登录
login-failed = 用户名或密码不正确。
login-locked = 登录失败次数过多，账号已暂时锁定，请 { $minutes } 分钟后再试。
login-expired = 登录已过期，请重新登录。
login-signed-out = 您已安全退出。

password-title = 修改密码
password-current = 当前密码
password-new = 新密码（至少 8 个字符）
password-repeat = 再次输入新密码
password-submit = 保存新密码
password-wrong = 当前密码不正确。
password-short = 新密码至少需要 8 个字符。
password-mismatch = 两次输入的新密码不一致。
password-changed = 密码已修改，其他设备上的登录已失效。

workbench-title = 工作台
workbench-hello = 您好，{ $name }
workbench-scope = 管辖范围：{ $unit }
workbench-open = 未办结
workbench-to-handle = 待我单位办理
workbench-overdue = 已超期
workbench-due-soon = 48 小时内到期
workbench-recent = 最近的事项
workbench-empty = 暂无事项。
workbench-more = 查看更多

col-id = 编号
col-title = 标题
col-kind = 类型
col-status = 状态
col-place = 属地
col-registered = 登记时间
col-deadline = 反馈期限

kind-request = 诉求
kind-petition = 信访
kind-dispute = 矛盾纠纷
kind-grid_event = 网格事件
kind-wage_claim = 欠薪投诉

status-registered = 已登记
status-assigned = 已交办
status-in_progress = 办理中
status-replied = 已答复
status-closed = 已办结

channel-letter = 来信
channel-visit = 来访
channel-phone = 电话
channel-online = 网上
channel-grid = 网格上报
channel-transfer = 部门移交
channel-screening = 主动排查

mode-direct = 直办
mode-transfer = 转办
mode-assign = 交办
mode-joint = 协办

matter-title = 事项 { $id }
matter-channel = 渠道
matter-category = 分类
matter-place = 属地
matter-handling = 承办
matter-deadline = 反馈期限
matter-remaining = 剩余 { $hours } 小时
matter-overdue-by = 已超期 { $hours } 小时
matter-people = 涉及人数
matter-amount = 涉及金额
matter-parties = 当事人
matter-body = 事项内容
matter-reply = 答复意见
matter-timeline = 办理记录
matter-actions = 办理
matter-reopened = 重办 { $count } 次
matter-version = 版本 { $version }

party-applicant = 申请人
party-respondent = 被申请人
party-other = 其他当事人
party-masked = 个人信息已脱敏
reveal-reason = 查看原因
reveal-submit = 查看完整信息
reveal-explain = 查看将记入办理记录，须说明原因。

event-registered = 受理登记
event-assigned = 交办/转办
event-started = 开始办理
event-replied = 答复
event-closed = 办结
event-reopened = 重新办理
event-commented = 评论
event-note_added = 内部备注
event-parties_revealed = 查看当事人信息
event-by = { $who }

action-assign = 转办/交办
action-assign-unit = 承办单位
action-assign-mode = 方式
action-report-by = 反馈期限（交办必填）
action-start = 开始办理
action-reply = 答复
action-close = 办结
action-reopen = 重新办理
action-comment = 评论
action-note = 内部备注
action-text = 内容
action-reason = 原因
action-submit = 提交
action-none = 当前状态下，您没有可执行的操作。
action-done = 已保存。
action-stale = 该事项刚被他人更新，已显示最新内容，请确认后重新操作。

error-title = 出错了
error-not-found = 没有找到该页面，或该事项不在您的管辖范围内。
error-forbidden = 您没有权限执行此操作。
error-csrf = 表单已过期或来源不明，请刷新页面后重试。
error-internal = 服务器出现问题，请稍后重试。如问题持续，请联系系统管理员。
error-invalid = 提交的内容有误：
error-back = 返回工作台

nav-intake = 登记
intake-title = 受理登记
intake-kind = 事项类型
intake-channel = 来源渠道
intake-category = 分类
intake-place = 属地（输入村、社区或乡镇名称搜索）
intake-matter-title = 标题
intake-body = 事项内容
intake-people = 涉及人数
intake-amount = 涉及金额（元）
intake-party = 当事人 { $n }
intake-party-role = 身份
intake-party-name = 姓名或名称
intake-party-phone = 电话
intake-party-id = 身份证号
intake-party-address = 地址
intake-parties-hint = 不需要的当事人栏留空即可。
intake-submit = 登记
intake-errors = 请按提示修改以下内容：
intake-bad-amount = 金额格式不对，例如 12500 或 8500.50
intake-bad-number = 请输入整数
